"""Payments: bank and payment-provider statements, matching against open items, payment
bookings, the write-back of "paid" to Billbee, and reminders."""

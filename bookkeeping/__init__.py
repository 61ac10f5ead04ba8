"""Bookkeeping: charts of accounts, VAT treatment, journal, payments and the DATEV export."""

"""Everything about the Billbee API: client, typed models, enums and the local sandbox.

Nothing outside this package speaks HTTP to Billbee. The client (``billbee.client``) does not
depend on Django, so it also runs in benchmarks and scripts.
"""

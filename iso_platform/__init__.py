"""The kernel: helpers every layer may use (accounts, permissions, workdays, outbox,
guarded HTTP, untrusted input, PDF and spreadsheet writers). It imports nothing above it."""

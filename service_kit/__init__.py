"""What both services share: problem+json errors, request ids, logging, the served contract."""

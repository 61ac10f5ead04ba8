class StatementFormatError(ValueError):
    """The file is not a statement of the expected format."""

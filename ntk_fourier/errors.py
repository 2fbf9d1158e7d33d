"""The one exception type for bad user input: its message is a single line saying what was wrong and what to do."""


class InputError(ValueError):
    """Bad input (names, numbers, arrays, files). The CLI prints its message as one line and exits with status 2."""

"""The ``nlu`` command line: a thin front end over the :mod:`nlu` library."""

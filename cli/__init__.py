"""The ``tvc`` command line: thin click commands over ``store.Repo``."""

"""One module per CLI subcommand; each defines ``register(subparsers)``. Discovered by ``model.commands.cli`` (the ``sharedhr`` entry point, which has no ``register``)."""

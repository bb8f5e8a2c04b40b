"""One module per CLI subcommand; each defines ``register(subparsers)``. Discovered by ``model.cli``."""

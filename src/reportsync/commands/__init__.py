"""One module per group of subcommands; each function takes parsed args and a Console."""

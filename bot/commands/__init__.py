"""One module per `financebot` command, each with ``async def run(settings, args) -> int``."""

"""Allow ``python -m tgtui``."""

if __name__ == "__main__":  # not when a spawned worker process imports this module
    from tgtui.cli import run  # here: a worker (export, statistics) needs none of it

    raise SystemExit(run())

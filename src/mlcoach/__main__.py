from mlcoach.cli.main import run

run()

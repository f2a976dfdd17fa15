"""Fang'an (房安) command line: `python main.py --help`."""

from engine.cli import main

if __name__ == "__main__":
    main()

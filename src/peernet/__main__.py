"""`python -m peernet` runs the command line."""

from peernet.cli import main

if __name__ == "__main__":
    main()

"""The floor of `reportsync validate`: the toolkit every comparable CLI uses, and parsing the files.

Start Python, import yaml, argparse and dataclasses, parse the command line, parse every file with the
C loader. Usage: floor_validate.py DIR. Prints how many files it parsed.
"""

import argparse
import dataclasses  # noqa: F401  (part of the floor: every comparable CLI keeps its data in dataclasses)
import os
import sys

import yaml


def main():
    parser = argparse.ArgumentParser(prog="floor")
    parser.add_argument("folder")
    folder = parser.parse_args().folder
    count = 0
    for root, _, files in os.walk(folder):
        for name in files:
            if name.endswith((".yaml", ".yml")):
                with open(os.path.join(root, name), "rb") as handle:
                    yaml.load(handle.read(), Loader=yaml.CSafeLoader)
                count += 1
    print(f"parsed {count} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The floor of `reportsync validate`: start Python, import yaml, parse every file with the C loader.

Usage: floor_validate.py DIR. Prints how many files it parsed.
"""

import os
import sys

import yaml


def main():
    count = 0
    for root, _, files in os.walk(sys.argv[1]):
        for name in files:
            if name.endswith((".yaml", ".yml")):
                with open(os.path.join(root, name), "rb") as handle:
                    yaml.load(handle.read(), Loader=yaml.CSafeLoader)
                count += 1
    print(f"parsed {count} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())

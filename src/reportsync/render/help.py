"""The help text every command shares: the environment it reads and the exit codes it can end with."""

from __future__ import annotations

MORE_HELP = "Run `reportsync COMMAND --help` for a command's flags."
ENVIRONMENT = """environment:
  QONVERSION_SECRET_KEY  the project's secret key (sk_... or test_sk_...); never printed or logged
  QONVERSION_API_URL     API base URL (default https://api.qonversion.io/v4)
  QONVERSION_TIMEOUT     seconds one HTTP attempt may take in all (default 30; --timeout)
  HTTPS_PROXY, NO_PROXY  a proxy for the API (never used for a loopback URL)
  NO_COLOR               never colour the output"""
EXIT_MEANINGS = {
    0: "success",
    1: "error: invalid files, bad settings, unreachable API, a usage mistake",
    2: "plan --detailed-exitcode: there are changes",
    3: "refused by a safety guard: stale plan file, threshold exceeded, no confirmation",
    4: "apply finished, but some changes failed or were skipped",
    130: "interrupted (Ctrl-C)",
    141: "the output's reader went away (a closed pipe, e.g. `| head`)",
}
# The codes each command can end with (the others: 0, 1, 130 and 141).
EXIT_CODES = {
    "plan": (0, 1, 2, 3, 130, 141),
    "apply": (0, 1, 3, 4, 130, 141),
    "validate": (0, 1, 141),
    "schema": (0, 1, 141),
    "completion": (0, 1, 141),
}


def exit_codes(command: str | None) -> str:
    codes = EXIT_CODES.get(command or "", (0, 1, 130, 141)) if command else tuple(EXIT_MEANINGS)
    return "exit codes:\n" + "\n".join(f"  {code:<4} {EXIT_MEANINGS[code]}" for code in codes)

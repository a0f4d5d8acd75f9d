"""The site's errors page, written at build time from the catalogues of refusals:
`peernet.domain.errors` (the rules) and every other module declaring peernet's errors
(`peernet.adapters.errors`: the store and what runs on it).

mkdocs-gen-files runs this script on every `mkdocs build` and `mkdocs serve` and serves
what it writes as `reference/errors.md`: each error's class, family (`RuleViolation` or
`InvalidInput`, and the command line's exit code), rule and message template, read from
the classes themselves, under the section headings of `errors.py`. A new error is on the
page the next time the site is built; nobody edits the page by hand.
`tests/test_docs.py` checks that `page()` lists every error.
"""

import importlib
import inspect
import re
from collections.abc import Iterator
from types import ModuleType

import peernet
import peernet.cli
from peernet.cli.options import EXIT_BAD_INPUT, EXIT_REFUSED
from peernet.domain import errors

#: where the page is served, under docs/
PATH = "reference/errors.md"
SECTION = re.compile(r"^# --- (?P<title>.+?) -+$")
CLASS = re.compile(r"^class (?P<name>\w+)\(")
FAMILIES: tuple[tuple[type[errors.PeerNetError], int], ...] = (
    (errors.RuleViolation, EXIT_REFUSED),
    (errors.InvalidInput, EXIT_BAD_INPUT),
)

INTRO = f"""\
# Errors

Every error peernet raises on purpose, as declared in its catalogues of refusals
(`peernet.domain.errors`, then `peernet.adapters.errors` and the like): this page
is generated from the classes when the site is built, so it lists each one as the code
has it. A refused command records nothing.

- A **`RuleViolation`** is a rule saying no; the command line exits {EXIT_REFUSED} and prints
  `refused (RULE): MESSAGE` on one line.
- An **`InvalidInput`** is a bad value, an unknown id or an unusable store; the command
  line exits {EXIT_BAD_INPUT} and prints the message on one line.

Every error carries its `rule`, its `message` (the template below, filled from the
values it was raised with), `details` (those values, by name) and `ids` (the ids among
them). Which charter parameter switches a rule on or off, and its default, is in
[Rules](../rules.md); catching errors in code is in the
[tutorial](../tutorial.md#11-refusals-ruleviolation-or-invalidinput).
"""


def _every(cls: type[errors.PeerNetError]) -> Iterator[type[errors.PeerNetError]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _every(sub)


def catalogues() -> list[ModuleType]:
    """The modules that declare peernet's errors: the domain's catalogue first."""
    names = {
        c.__module__ for c in _every(errors.PeerNetError) if c.__module__.startswith("peernet.")
    }
    names.discard(errors.__name__)
    return [errors, *(importlib.import_module(name) for name in sorted(names))]


def declared() -> list[tuple[str, type[errors.PeerNetError]]]:
    """Every error class of the catalogues in the order of their source, with the title
    of the `# --- title ---` section it is declared under."""
    found: list[tuple[str, type[errors.PeerNetError]]] = []
    for module in catalogues():
        section = "the families"
        for line in inspect.getsource(module).splitlines():
            if heading := SECTION.match(line):
                section = heading["title"]
            elif declaration := CLASS.match(line):
                cls = getattr(module, declaration["name"])
                if isinstance(cls, type) and issubclass(cls, errors.PeerNetError):
                    found.append((section, cls))
    return found


def name(cls: type[errors.PeerNetError]) -> str:
    """The class as a reader imports it, linked to the API reference when `peernet`
    exports it."""
    if cls.__name__ in peernet.__all__:
        return f"[`{cls.__name__}`][peernet.{cls.__name__}]"
    return f"`{cls.__module__}.{cls.__name__}`"


def family(cls: type[errors.PeerNetError]) -> str:
    """`RuleViolation` or `InvalidInput` with its exit code, and the class between."""
    for base, code in FAMILIES:
        if cls is base:
            return f"exit {code}"
        if issubclass(cls, base):
            parent = cls.__mro__[1]
            via = f" > `{parent.__name__}`" if parent is not base else ""
            return f"`{base.__name__}`{via}, exit {code}"
    return "the root of both"


def message(cls: type[errors.PeerNetError]) -> str:
    """The message template, or what stands for it when the error is raised with a
    message of its own."""
    if cls.says == errors.PeerNetError.says:
        return "*the message it is raised with*"
    return f"``{cls.says}``"


def row(cls: type[errors.PeerNetError]) -> str:
    cells = (name(cls), family(cls), f"`{cls.rule}`", message(cls))
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def page() -> str:
    """The whole page, in Markdown: one table for each section of `errors.py`."""
    parts = [INTRO]
    sections: dict[str, list[type[errors.PeerNetError]]] = {}
    for section, cls in declared():
        sections.setdefault(section, []).append(cls)
    for section, classes in sections.items():
        parts += [
            f"\n## {section[0].upper()}{section[1:]}\n",
            "| error | family | rule | message |",
            "| --- | --- | --- | --- |",
            *(row(cls) for cls in classes),
        ]
    return "\n".join(parts) + "\n"


if __name__ == "<run_path>":  # run by mkdocs-gen-files
    import mkdocs_gen_files

    with mkdocs_gen_files.open(PATH, "w") as out:
        out.write(page())
    mkdocs_gen_files.set_edit_path(PATH, "gen/errors.py")

"""Static shell completion scripts generated from the click command tree.

Static scripts hold every command, option, choice and argument, so pressing TAB never
starts Python. They are regenerated from the CLI (`python -m crmcli.cli.completion
--write`) and a test fails when the committed files are stale. The walk loads every lazy
command group, so commands added to `COMMANDS` appear without any change here.

All three scripts work the same way: walk the words before the cursor to find the
command being typed (skipping options and the values they take) and how many positional
arguments it already has; then offer the value of the option just written, option names
after a "-", subcommands of a group, or the choices or files a positional argument takes.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import click

SHELLS = ("bash", "zsh", "fish")
FILES = {"bash": "crm.bash", "zsh": "_crm", "fish": "crm.fish"}
REGENERATE = "python -m crmcli.cli.completion --write"

# Values for which a file name is the natural answer when the type does not say so:
# by metavar (--db PATH), or by the last word of the name (--output, --rejects-file).
_PATH_METAVARS = {"PATH", "FILE", "FILENAME", "DIR", "DIRECTORY", "FOLDER"}
_PATH_WORDS = {"path", "file", "dir", "folder", "output", "input"}


@dataclass(frozen=True)
class Values:
    """What a value is completed with: a fixed list, files, directories, or free text."""

    choices: tuple[str, ...] = ()
    files: str = ""  # "" | "file" | "dir"


@dataclass(frozen=True)
class OptionSpec:
    names: tuple[str, ...]  # long names first
    help: str
    takes_value: bool
    values: Values = Values()
    shared: bool = False  # a root option that may be written under any command


@dataclass(frozen=True)
class ArgumentSpec:
    name: str
    first: int  # index among the positional words of the command
    last: int | None  # None: takes every remaining word
    values: Values = Values()


@dataclass
class CommandSpec:
    path: str  # "crm contact list"
    help: str
    subcommands: list[tuple[str, str]] = field(default_factory=list)  # (name, short help)
    options: list[OptionSpec] = field(default_factory=list)
    arguments: list[ArgumentSpec] = field(default_factory=list)

    @property
    def value_options(self) -> list[str]:
        return [n for o in self.options if o.takes_value for n in o.names]

    @property
    def option_names(self) -> list[str]:
        return [n for o in self.options for n in o.names]

    @property
    def takes_more_arguments(self) -> bool:
        """Whether an argument may still follow the ones already given (else offer options)."""
        return any(a.last is None for a in self.arguments)

    @property
    def arguments_end(self) -> int:
        return max((a.last + 1 for a in self.arguments if a.last is not None), default=0)


# --- the tree ---------------------------------------------------------------------------


def walk(root: click.Command, global_options: tuple[str, ...] = ()) -> list[CommandSpec]:
    """Every command of the tree, depth first, subcommands and options sorted by name.

    `global_options` are options of the root that may be written anywhere on the line;
    they are offered, and their values completed, under every command.
    """
    specs: list[CommandSpec] = []
    root_ctx = _context(root, "crm", None)
    shared = [replace(o, shared=True) for o in _options(root, root_ctx) if set(o.names) & set(global_options)]

    def visit(command: click.Command, ctx: click.Context) -> None:
        spec = CommandSpec(path=ctx.command_path, help=_short(command.get_short_help_str(limit=80)))
        shared_names = {n for o in shared for n in o.names}
        own = [o for o in _options(command, ctx) if not set(o.names) & shared_names]
        spec.options = sorted(own + shared, key=lambda o: o.names[0])
        spec.arguments = _arguments(command, ctx)
        specs.append(spec)
        if isinstance(command, click.Group):
            for name in sorted(command.list_commands(ctx)):
                sub = command.get_command(ctx, name)
                if sub is None or sub.hidden:
                    continue
                spec.subcommands.append((name, _short(sub.get_short_help_str(limit=80))))
                visit(sub, _context(sub, name, ctx))

    visit(root, root_ctx)
    return specs


def _context(command: click.Command, name: str, parent: click.Context | None) -> click.Context:
    # The command's own settings give it its real help option names (-h as well as --help).
    return click.Context(command, info_name=name, parent=parent, **command.context_settings)


def _options(command: click.Command, ctx: click.Context) -> list[OptionSpec]:
    found = []
    for param in command.get_params(ctx):
        if not isinstance(param, click.Option) or param.hidden:
            continue
        names = tuple(sorted(param.opts + param.secondary_opts, key=lambda n: (not n.startswith("--"), n)))
        takes_value = not param.is_flag and not param.count
        values = _values(param, names) if takes_value else Values()
        found.append(OptionSpec(names, _short(param.help or ""), takes_value, values))
    return found


def _arguments(command: click.Command, ctx: click.Context) -> list[ArgumentSpec]:
    found = []
    position = 0
    for param in command.get_params(ctx):
        if not isinstance(param, click.Argument):
            continue
        if param.nargs < 0:
            found.append(ArgumentSpec(param.name or "", position, None, _values(param, ())))
            break  # nothing after a catch-all argument can be told apart from it
        found.append(ArgumentSpec(param.name or "", position, position + param.nargs - 1,
                                  _values(param, ())))  # fmt: skip
        position += param.nargs
    return found


def _values(param: click.Parameter, names: tuple[str, ...]) -> Values:
    kind = param.type
    if isinstance(kind, click.Choice):
        return Values(choices=tuple(str(c) for c in kind.choices))
    if isinstance(kind, click.Path):
        return Values(files="dir" if not kind.file_okay and kind.dir_okay else "file")
    if isinstance(kind, click.File):
        return Values(files="file")
    metavar = (getattr(param, "metavar", None) or "").strip("[]").upper()
    last_words = {n.lstrip("-").split("-")[-1] for n in names}
    if metavar in _PATH_METAVARS or last_words & _PATH_WORDS:
        return Values(files="dir" if metavar in ("DIR", "DIRECTORY", "FOLDER") else "file")
    return Values()


def _short(text: str) -> str:
    return " ".join(text.split()).rstrip(".")


def script(shell: str, root: click.Command, global_options: tuple[str, ...] = ()) -> str:
    specs = walk(root, global_options)
    return {"bash": bash, "zsh": zsh, "fish": fish}[shell](specs)


def _header(shell: str, install: list[str]) -> list[str]:
    return [
        f"# {shell} completion for crm; generated by `{REGENERATE}`, do not edit.",
        *(f"# {line}" for line in install),
    ]


def _arithmetic(argument: ArgumentSpec, var: str) -> str:
    if argument.last is None:
        return f"{var} >= {argument.first}"
    if argument.last == argument.first:
        return f"{var} == {argument.first}"
    return f"{var} >= {argument.first} && {var} <= {argument.last}"


def _positional_branches(spec: CommandSpec, render: Callable[[Values], str]) -> list[tuple[str, str]]:
    """(condition on npos, action) for the arguments of a command that have something to offer."""
    return [(_arithmetic(a, "npos"), render(a.values)) for a in spec.arguments if a.values != Values()]


def _if_chain(branches: list[tuple[str, str]]) -> list[str]:
    """Shell lines that do the action of the first matching branch, then return."""
    lines = [f"{'if' if i == 0 else 'elif'} (({condition})); then {action}; return"
             for i, (condition, action) in enumerate(branches)]  # fmt: skip
    return [*lines, "fi ;;"] if lines else []


def _value_cases(specs: list[CommandSpec]) -> list[tuple[list[str], Values]]:
    """("command|--option" patterns, values) for the options whose values can be offered.

    A shared option is completed the same under every command: one `*|--option` entry.
    """
    cases: list[tuple[list[str], Values]] = []
    seen_shared: set[str] = set()
    for spec in specs:
        for option in spec.options:
            if not option.takes_value or option.values == Values():
                continue
            if option.shared:
                if option.names[0] in seen_shared:
                    continue
                seen_shared.add(option.names[0])
                cases.append(([f"*|{n}" for n in option.names], option.values))
            else:
                cases.append(([f"{spec.path}|{n}" for n in option.names], option.values))
    return cases


def _case_pattern(key: str) -> str:
    """A case pattern matching `key` literally, except a leading `*` (any command)."""
    return f'*"{key[1:]}"' if key.startswith("*") else f'"{key}"'


# --- bash ------------------------------------------------------------------------------

_SAFE_WORD = re.compile(r"[A-Za-z0-9_@%+=:,./-]+")


def _bash_words(words: list[str] | tuple[str, ...]) -> str:
    return " ".join(w if _SAFE_WORD.fullmatch(w) else shlex.quote(w) for w in words)


def _bash_values(values: Values) -> str:
    if values.choices:
        return f"_crm_offer {_bash_words(values.choices)}"
    if values.files:
        return f"_crm_files {values.files}"
    return ":"  # free text: nothing to offer


def bash(specs: list[CommandSpec]) -> str:
    lines = _header("bash", [
        "Install: source this file from ~/.bashrc, or copy it to",
        "~/.local/share/bash-completion/completions/crm",
    ])  # fmt: skip
    lines += [
        "",
        "# Set subs, opts and valued (the options that take a value) for command $1, and",
        "# nargs: how many arguments it takes (-1: any number).",
        "_crm_table() {",
        '    case "$1" in',
    ]
    for spec in specs:
        lines += [
            f'        "{spec.path}")',
            f'            subs="{_bash_words([n for n, _ in spec.subcommands])}"',
            f'            opts="{_bash_words(spec.option_names)}"',
            f'            valued="{_bash_words(spec.value_options)}"',
            f"            nargs={-1 if spec.takes_more_arguments else spec.arguments_end} ;;",
        ]
    lines += [
        "    esac",
        "}",
        "",
        "# Offer those of the given words that start with what is typed.",
        "_crm_offer() {",
        "    local word",
        '    for word in "$@"; do',
        '        [[ $word == "$cur"* ]] && COMPREPLY+=("$word")',
        "    done",
        "}",
        "",
        "# Offer file names (file) or folder names (dir).",
        "_crm_files() {",
        "    local IFS=$'\\n'",
        "    compopt -o filenames 2>/dev/null",
        "    if [[ $1 == dir ]]; then",
        '        COMPREPLY=($(compgen -d -- "$cur"))',
        "    else",
        '        COMPREPLY=($(compgen -f -- "$cur"))',
        "    fi",
        "}",
        "",
        "_crm() {",
        '    local cur="${COMP_WORDS[COMP_CWORD]}" prev="" cmd="crm" npos=0 i word',
        "    local subs opts valued nargs",
        "    COMPREPLY=()",
        '    ((COMP_CWORD > 1)) && prev="${COMP_WORDS[COMP_CWORD-1]}"',
        '    # bash splits "--option=value" at "=": the option is then one or two words back.',
        '    if [[ $cur == "=" ]]; then',
        '        cur=""',
        '    elif [[ $prev == "=" ]]; then',
        '        prev="${COMP_WORDS[COMP_CWORD-2]}"',
        "    fi",
        "    _crm_table crm",
        "    for ((i = 1; i < COMP_CWORD; i++)); do",
        '        word="${COMP_WORDS[i]}"',
        '        if [[ " $valued " == *" $word "* ]]; then',
        "            ((i += 1))",
        '            [[ ${COMP_WORDS[i]} == "=" ]] && ((i += 1))',
        '        elif [[ $word == -* || $word == "=" ]]; then',
        "            continue",
        '        elif [[ " $subs " == *" $word "* ]]; then',
        '            cmd="$cmd $word"',
        "            npos=0",
        '            _crm_table "$cmd"',
        "        else",
        "            ((npos += 1))",
        "        fi",
        "    done",
        '    case "$cmd|$prev" in',
    ]
    for keys, values in _value_cases(specs):
        lines.append(f"        {' | '.join(map(_case_pattern, keys))}) {_bash_values(values)}; return ;;")
    lines += [
        "    esac",
        '    if [[ -n $prev && " $valued " == *" $prev "* ]]; then',
        "        return  # a value to type: nothing to offer",
        "    elif [[ -n $subs && $cur != -* ]]; then",
        "        _crm_offer $subs",
        "        return",
        "    fi",
        "    if [[ $cur != -* ]]; then",
        '        case "$cmd" in',
    ]
    for spec in specs:
        body = _if_chain(_positional_branches(spec, _bash_values))
        if body and not spec.subcommands:
            lines.append(f'            "{spec.path}")')
            lines += [f"                {line}" for line in body]
    lines += [
        "        esac",
        "    fi",
        "    if [[ $cur == -* ]] || ((nargs >= 0 && npos >= nargs)); then",
        "        _crm_offer $opts",
        "    fi",
        "}",
        "",
        "complete -F _crm crm",
        "",
    ]
    return "\n".join(lines)


# --- zsh -------------------------------------------------------------------------------


def _zsh_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _zsh_words(words: list[str] | tuple[str, ...]) -> str:
    return " ".join(w if _SAFE_WORD.fullmatch(w) else _zsh_quote(w) for w in words)


def _zsh_values(values: Values) -> str:
    if values.choices:
        return "compadd -- " + " ".join(_zsh_quote(c) for c in values.choices)
    if values.files == "dir":
        return "_files -/"
    if values.files:
        return "_files"
    return ":"


def _zsh_items(pairs: list[tuple[str, str]]) -> str:
    """`_describe` items, "name:description"; a colon inside the name is escaped."""
    return " ".join(
        _zsh_quote(f"{name.replace(':', chr(92) + ':')}:{text}" if text else name.replace(":", "\\:"))
        for name, text in pairs
    )


def zsh(specs: list[CommandSpec]) -> str:
    lines = [
        "#compdef crm",
        *_header("zsh", ["Install: put this file, named _crm, in a folder on your $fpath."]),
    ]
    lines += [
        "",
        '# Set subs and opts ("name:description" items), valued (the options that take a',
        "# value) and nargs (how many arguments; -1: any number) for command $1.",
        "_crm_table() {",
        '    case "$1" in',
    ]
    for spec in specs:
        lines += [
            f'        ("{spec.path}")',
            f"            subs=({_zsh_items(spec.subcommands)})",
            f"            opts=({_zsh_items([(n, o.help) for o in spec.options for n in o.names])})",
            f"            valued=({_zsh_words(spec.value_options)})",
            f"            nargs={-1 if spec.takes_more_arguments else spec.arguments_end} ;;",
        ]
    lines += [
        "    esac",
        "}",
        "",
        "_crm() {",
        # Not `path`: in zsh that name is tied to $PATH.
        '    local cmd="crm" npos=0 i word nargs',
        "    local cur=${words[CURRENT]} prev=${words[CURRENT-1]}",
        "    local -a subs opts valued",
        "    _crm_table crm",
        "    for ((i = 2; i < CURRENT; i++)); do",
        "        word=${words[i]}",
        "        if ((${valued[(Ie)$word]})); then",
        "            ((i += 1))",
        "        elif [[ $word == -* ]]; then",
        "            continue",
        "        elif ((${subs[(I)${(b)word}:*]} || ${subs[(Ie)$word]})); then",
        '            cmd="$cmd $word"',
        "            npos=0",
        '            _crm_table "$cmd"',
        "        else",
        "            ((npos += 1))",
        "        fi",
        "    done",
        '    # "--option=value" as one word: complete the value after the "=".',
        "    if [[ $cur == --*=* ]]; then",
        "        prev=${cur%%=*}",
        "        compset -P '*='",
        "    fi",
        '    case "$cmd|$prev" in',
    ]
    for keys, values in _value_cases(specs):
        lines.append(f"        ({'|'.join(map(_case_pattern, keys))}) {_zsh_values(values)}; return ;;")
    lines += [
        "    esac",
        "    if [[ -n $prev ]] && ((${valued[(Ie)$prev]})); then",
        "        return 1  # a value to type: nothing to offer",
        "    elif ((${#subs})) && [[ $cur != -* ]]; then",
        "        _describe -t commands command subs",
        "        return",
        "    fi",
        "    if [[ $cur != -* ]]; then",
        '        case "$cmd" in',
    ]
    for spec in specs:
        if spec.subcommands:
            continue
        body = _if_chain(_positional_branches(spec, _zsh_values))
        if body:
            lines.append(f'            ("{spec.path}")')
            lines += [f"                {line}" for line in body]
    lines += [
        "        esac",
        "    fi",
        "    if [[ $cur == -* ]] || ((nargs >= 0 && npos >= nargs)); then",
        "        _describe -t options option opts",
        "    fi",
        "}",
        "",
        '_crm "$@"',
        "",
    ]
    return "\n".join(lines)


# --- fish ------------------------------------------------------------------------------


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _fish_words(words: list[str] | tuple[str, ...]) -> str:
    return " ".join(w if _SAFE_WORD.fullmatch(w) else _fish_quote(w) for w in words)


def _fish_offer(values: Values) -> str:
    """The `complete` flags that offer these values: choices, folders or files."""
    if values.choices:
        return " -a " + _fish_quote(_fish_words(values.choices))
    if values.files == "dir":
        return " -a '(__fish_complete_directories)'"
    if values.files:
        return " -F"
    return ""


def _fish_flags(option: OptionSpec) -> str:
    names = []
    for name in option.names:
        if name.startswith("--"):
            names.append(f"-l {name[2:]}")
        else:
            names.append(f"-s {name[1:]}" if len(name) == 2 else f"-o {name[1:]}")
    if not option.takes_value:
        return " ".join(names)
    # -r: a value must follow; -x: ... and it is not a file name.
    needs = " -r" if option.values.files == "file" else " -x"
    return " ".join(names) + needs + _fish_offer(option.values)


def fish(specs: list[CommandSpec]) -> str:
    lines = _header("fish", ["Install: copy to ~/.config/fish/completions/crm.fish"])
    lines += [
        "",
        "# Print the subcommands (table subs) or the options taking a value (table valued) of a command.",
        "function __crm_table --argument-names table cmd",
        '    switch "$table|$cmd"',
    ]
    for spec in specs:
        if spec.subcommands:
            names = _fish_words([n for n, _ in spec.subcommands])
            lines += [f"        case {_fish_quote('subs|' + spec.path)}",
                      f"            printf '%s\\n' {names}"]  # fmt: skip
        if spec.value_options:
            lines += [
                f"        case {_fish_quote('valued|' + spec.path)}",
                f"            printf '%s\\n' {_fish_words(spec.value_options)}",
            ]
    lines += [
        "    end",
        "end",
        "",
        "# Print the command being typed and how many arguments it has so far, a line each.",
        "function __crm_state",
        "    set -l words (commandline -opc)",
        "    set -e words[1]",
        "    set -l cmd crm",
        "    set -l npos 0",
        "    set -l skip 0",
        "    for word in $words",
        "        if test $skip -eq 1",
        "            set skip 0",
        "        else if contains -- $word (__crm_table valued $cmd)",
        "            set skip 1",
        "        else if string match -q -- '-*' $word",
        "            continue",
        "        else if contains -- $word (__crm_table subs $cmd)",
        '            set cmd "$cmd $word"',
        "            set npos 0",
        "        else",
        "            set npos (math $npos + 1)",
        "        end",
        "    end",
        "    printf '%s\\n' $cmd $npos",
        "end",
        "",
        "# __crm_at COMMAND [FIRST LAST]: typing in COMMAND (at argument FIRST to LAST; LAST -1: any).",
        "function __crm_at",
        "    set -l state (__crm_state)",
        '    test "$state[1]" = "$argv[1]"; or return 1',
        "    set -q argv[2]; or return 0",
        "    test $state[2] -ge $argv[2]; or return 1",
        "    test $argv[3] -lt 0; or test $state[2] -le $argv[3]",
        "end",
        "",
        "complete -c crm -f",
    ]
    for spec in specs:
        at = _fish_quote(f"__crm_at {_fish_quote(spec.path)}")
        for name, text in spec.subcommands:
            lines.append(f"complete -c crm -n {at} -a {_fish_words([name])} -d {_fish_quote(text)}")
        for option in spec.options:
            lines.append(f"complete -c crm -n {at} {_fish_flags(option)} -d {_fish_quote(option.help)}")
        if spec.subcommands:
            continue
        for argument in spec.arguments:
            if argument.values != Values():
                last = -1 if argument.last is None else argument.last
                where = _fish_quote(f"__crm_at {_fish_quote(spec.path)} {argument.first} {last}")
                lines.append(f"complete -c crm -n {where}{_fish_offer(argument.values)}")
    lines.append("")
    return "\n".join(lines)

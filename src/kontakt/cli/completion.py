"""Bash completion that inserts a name with a space or an apostrophe as one word.

click's own bash script adds each candidate to COMPREPLY as it is and reads it with a plain
`read` (which eats backslashes), so "Jürgen Müller" was inserted as two words ("Got
unexpected extra argument"). Here candidates leave Python escaped the way bash escapes file
names (`Jürgen\\ Müller`, `O\\'Connor`) and the script keeps them as they are (`read -r`, no
word splitting or globbing). zsh and fish quote what they insert themselves.
"""

from __future__ import annotations

from typing import Any

from click.shell_completion import BashComplete, CompletionItem, add_completion_class

# Characters a bash word may hold without quoting; letters beyond ASCII need none either.
_SAFE = frozenset("_@%+:,./-")

_SOURCE_BASH = """\
%(complete_func)s() {
    local IFS=$'\\n'
    local response line type value
    response=$(env COMP_WORDS="${COMP_WORDS[*]}" COMP_CWORD=$COMP_CWORD %(complete_var)s=bash_complete $1)
    COMPREPLY=()
    while IFS= read -r line; do
        [[ -z $line ]] && continue
        type=${line%%%%,*}
        value=${line#*,}
        if [[ $type == 'dir' ]]; then
            COMPREPLY=()
            compopt -o dirnames
        elif [[ $type == 'file' ]]; then
            COMPREPLY=()
            compopt -o default
        elif [[ $type == 'plain' ]]; then
            COMPREPLY+=("$value")
        fi
    done <<< "$response"
    return 0
}

%(complete_func)s_setup() {
    complete -o nosort -F %(complete_func)s %(prog_name)s
}

%(complete_func)s_setup;
"""


def bash_word(text: str) -> str:
    """`text` as one bash word: every character that means something to bash behind a backslash."""
    return "".join(c if c.isalnum() or c in _SAFE else "\\" + c for c in text)


class QuotingBashComplete(BashComplete):
    """click's bash completion, with candidates that bash inserts as one word each."""

    source_template = _SOURCE_BASH

    def format_completion(self, item: CompletionItem[Any]) -> str:
        if item.type != "plain":
            return super().format_completion(item)
        return f"plain,{bash_word(str(item.value))}"

    def complete(self) -> str:
        # A candidate with a line break would end its line of the reply early: leave it out.
        args, incomplete = self.get_completion_args()
        items = [i for i in self.get_completions(args, incomplete)
                 if not any(ch in str(i.value) for ch in "\n\r\x00")]
        return "\n".join(self.format_completion(item) for item in items)


add_completion_class(QuotingBashComplete, "bash")

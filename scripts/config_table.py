"""Print the README's configuration table from the one config model (keep the README in step)."""

from codepal.config import describe_fields


def main() -> None:
    print("| key | type | default | what it does |")
    print("| --- | --- | --- | --- |")
    for key, type_name, default, doc in describe_fields():
        shown = "none" if default is None else repr(default) if isinstance(default, str) else default
        print(f"| `{key}` | {type_name.replace('|', 'or')} | `{shown}` | {doc.replace('|', '/')} |")


if __name__ == "__main__":
    main()

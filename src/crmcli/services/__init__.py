"""The domain: plain functions over a Session. No typer, rich or questionary here."""

"""Demo data for `make run`: the catalogue, then a believable marketplace with cases."""

from cases.services.catalogue import load_default_catalogue


def load(*, actor, stdout):
    counts = load_default_catalogue(actor=actor)
    stdout.write(f"Catalogue: {counts['created']} created, {counts['updated']} updated.")

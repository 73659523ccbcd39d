from tests.helpers.opportunities import ctx, store  # noqa: F401  (fixtures)

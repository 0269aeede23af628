from tests.payments.stripe_double import stripe_double  # noqa: F401 (a fixture)

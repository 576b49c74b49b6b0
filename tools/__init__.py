"""Developer and operator tools (not deployed): the local stack, tokens, seeding, benchmarks."""

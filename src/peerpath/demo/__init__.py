"""The demo school: a realistic, seeded district to try Peerpath with."""

"""Plain HTTP views beside GraphQL: exports procurement teams and auditors ask for."""

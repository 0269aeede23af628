"""Test support shared by the apps' tests: a real broker and worker, fault injection."""

"""Building, recording and checking the policy conformance corpus against a real OpenBao.

- ``cases``: the plain data types of a case before and after the server answered.
- ``random_policies``: random overlapping policy sets and probe paths that hit rule edges.
- ``edge_cases``: hand-written capability cases (reference notes §4, §7, §8).
- ``parse_cases``: policy texts OpenBao accepts or rejects, plus random mutations.
- ``request_cases``: real KV v1 requests with parameter constraints (§6).
- ``recorder``: asks the server and turns specs into corpus records.
- ``engine_check``: compares credgate's engine with recorded answers.
"""

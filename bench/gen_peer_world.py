#!/usr/bin/env python3
"""Writes an `idm import` document holding the same world as ../shared/peer-bench/seed.sql
(the PostGraphile peer's data), formula for formula, so both servers answer over the same
rows: 50 workspaces, 300 clusters, 2000 partners, 100k users, ~180k roles. Row ids come out
equal to the peer's (users, partners, workspaces and clusters are written in id order).

    python3 bench/gen_peer_world.py > /tmp/peer-world.json
    python3 bench/gen_peer_world.py --users 20000 > /tmp/small.json

Differences forced by the contract: a cluster belongs to a response plan, not directly to a
workspace, so each workspace gets two plans ("A" and "B") holding its six clusters, three
each (the peer's type formula repeats types within a workspace, and a plan holds one cluster
per type); the peer's free-text partner types map to PartnerType.
"""

import argparse
import datetime
import json
import sys

CLUSTER_TYPES = ["WASH", "EDUCATION", "HEALTH", "NUTRITION", "PROTECTION", "CCCM"]
PARTNER_TYPES = ["CIVIL_SOCIETY_ORGANIZATION", "GOVERNMENT", "UN_AGENCY", "CIVIL_SOCIETY_ORGANIZATION"]
FIRST = ["Anna", "Ben", "Carla", "David", "Eva", "Farid", "Gita", "Hugo", "Ines", "Jamal"]
LAST = ["Smith", "Okafor", "Garcia", "Nguyen", "Müller", "Rossi", "Kowalski", "Haddad"]
IP_ROLES = ["IP_AUTHORIZED_OFFICER", "IP_EDITOR", "IP_VIEWER", "IP_ADMIN"]
CLUSTER_ROLES = ["CLUSTER_MEMBER", "CLUSTER_VIEWER", "CLUSTER_COORDINATOR", "CLUSTER_IMO"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=100_000)
    args = ap.parse_args()
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)

    workspaces = [{"ref": f"ws{g}", "title": f"Workspace {g}", "workspaceCode": f"W{g}"} for g in range(1, 51)]
    plans = [{"ref": f"rp{w}{half}", "workspace": f"ws{w}", "title": f"Plan {w}{half}", "planType": "HRP"}
             for w in range(1, 51) for half in "AB"]
    clusters = []
    for g in range(1, 301):
        w = 1 + g % 50
        half = "A" if (g - 1) // 50 % 6 < 3 else "B"
        clusters.append({"ref": f"c{g}", "responsePlan": f"rp{w}{half}", "type": CLUSTER_TYPES[g % 6]})
    partners = []
    for p in range(1, 2001):
        links = sorted({1 + ((p * 7 + k) % 300) for k in range(3)})
        partners.append({"ref": f"p{p}", "title": f"Partner org {p}", "shortTitle": f"P{p}",
                         "partnerType": PARTNER_TYPES[p % 4], "clusters": [f"c{c}" for c in links]})
    users = []
    for g in range(1, args.users + 1):
        u = {"email": f"user{g}@example{g % 97}.org", "firstName": f"{FIRST[g % 10]}{g}",
             "lastName": LAST[(g // 10) % 8], "isActive": g % 50 != 0}
        if g % 5 != 0:
            u["partner"] = f"p{1 + g % 2000}"
        if g % 3 != 0:
            u["lastLogin"] = (now - datetime.timedelta(days=g % 400)).isoformat().replace("+00:00", "Z")
        roles = []
        for k in (0, 1):
            if (g + k) % 3 != 0:
                roles.append({"role": IP_ROLES[(g + k) % 4], "workspace": f"ws{1 + (g * 3 + k) % 50}"})
        if g % 2 == 0:
            roles.append({"role": CLUSTER_ROLES[g % 4], "cluster": f"c{1 + g % 300}"})
        if g == 1:
            roles.append({"role": "CLUSTER_SYSTEM_ADMIN"})
        if roles:
            u["roles"] = roles
        users.append(u)
    json.dump({"workspaces": workspaces, "responsePlans": plans, "clusters": clusters,
               "partners": partners, "users": users}, sys.stdout, ensure_ascii=False, separators=(",", ":"))


if __name__ == "__main__":
    main()

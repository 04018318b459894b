#!/usr/bin/env python3
"""Writes an `idm import` document for load tests: by default 100k users with ~180k roles
over 50 workspaces, 300 clusters and 2000 partners. Deterministic for a given --seed.

    python3 bench/gen_import.py --users 100000 > /tmp/import-100k.json
    time DATABASE_URL='sqlite:///tmp/imp.db?mode=rwc' target/release/idm import /tmp/import-100k.json
"""

import argparse
import json
import random
import sys

CLUSTER_TYPES = ["CCCM", "EARLY_RECOVERY", "EDUCATION", "EMERGENCY_TELECOMMUNICATIONS", "FOOD_SECURITY",
                 "HEALTH", "LOGISTICS", "NUTRITION", "PROTECTION", "CHILD_PROTECTION_AOR",
                 "GENDER_BASED_VIOLENCE_AOR", "MINE_ACTION_AOR", "HOUSING_LAND_AND_PROPERTY_AOR", "SHELTER", "WASH"]
IP_ROLES = ["IP_AUTHORIZED_OFFICER", "IP_ADMIN", "IP_EDITOR", "IP_VIEWER"]
CLUSTER_ROLES = ["CLUSTER_MEMBER", "CLUSTER_VIEWER", "CLUSTER_COORDINATOR", "CLUSTER_IMO"]
PARTNER_TYPES = ["BILATERAL_MULTILATERAL", "CIVIL_SOCIETY_ORGANIZATION", "GOVERNMENT", "UN_AGENCY"]
COUNTRIES = ["SY", "YE", "IQ", "LB", "JO", "TR", "SD", "SS", "AF", "SO"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=100_000)
    ap.add_argument("--workspaces", type=int, default=50)
    ap.add_argument("--clusters-per-workspace", type=int, default=6)
    ap.add_argument("--partners", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rnd = random.Random(args.seed)

    workspaces = [{"ref": f"w{i}", "title": f"Country {i}", "workspaceCode": f"W{i:03d}"}
                  for i in range(args.workspaces)]
    plans = [{"ref": f"rp{i}", "workspace": f"w{i}", "title": f"Country {i} HRP 2026", "planType": "HRP",
              "start": "2026-01-01", "end": "2026-12-31"} for i in range(args.workspaces)]
    clusters = []
    for i in range(args.workspaces):
        for t in rnd.sample(CLUSTER_TYPES, args.clusters_per_workspace):
            clusters.append({"ref": f"c{len(clusters)}", "responsePlan": f"rp{i}", "type": t})
    partners = []
    for i in range(args.partners):
        kind = rnd.choice(PARTNER_TYPES)
        p = {"ref": f"p{i}", "title": f"Partner {i}", "shortTitle": f"P{i}", "partnerType": kind,
             "vendorNumber": f"{2_500_000 + i}", "countryCode": rnd.choice(COUNTRIES),
             "email": f"contact@p{i}.example.org", "totalCtCp": f"{rnd.randint(0, 10**9)}.{rnd.randint(0, 99):02d}",
             "clusters": [c["ref"] for c in rnd.sample(clusters, 3)]}
        if kind == "CIVIL_SOCIETY_ORGANIZATION":
            p["csoType"] = "NATIONAL"
        partners.append(p)

    users = []
    roles = 0
    for i in range(args.users):
        partner = rnd.randrange(args.partners)
        u = {"email": f"user{i}@p{partner}.example.org", "firstName": f"First{i}", "lastName": f"Last{i}",
             "partner": f"p{partner}", "roles": []}
        if i % 7 == 0:
            u["position"] = "Programme officer"
        if i % 3 == 0:
            u["lastLogin"] = "2026-11-01T08:00:00Z"
        if i % 50 == 0:
            u["isActive"] = False
        if i < 5:
            u["roles"].append({"role": "CLUSTER_SYSTEM_ADMIN"})
        else:
            u["roles"].append({"role": rnd.choice(IP_ROLES), "workspace": f"w{rnd.randrange(args.workspaces)}"})
            if rnd.random() < 0.8:
                u["roles"].append({"role": rnd.choice(CLUSTER_ROLES), "cluster": f"c{rnd.randrange(len(clusters))}"})
        roles += len(u["roles"])
        users.append(u)

    json.dump({"workspaces": workspaces, "responsePlans": plans, "clusters": clusters,
               "partners": partners, "users": users}, sys.stdout, separators=(",", ":"))
    print(f"{len(users)} users, {roles} roles, {len(partners)} partners, {len(clusters)} clusters",
          file=sys.stderr)


if __name__ == "__main__":
    main()

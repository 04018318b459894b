//! Partners: enums, blanks, external ids and contact data (P1–P8), cluster links.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use serde_json::{json, Map, Value};

use super::*;
use crate::domain::{CsoType, ExternalSource, PartnerType, SharedPartner};
use crate::email::is_email;
use crate::prp::report::Outcome;
use crate::prp::source::{Partner, World};
use crate::validate::Checker;

pub(super) fn partners(world: &World, clusters: &Clusters, log: &mut Log) -> Emitted<i64> {
    let mut links: HashMap<i64, Vec<i64>> = HashMap::new();
    for (partner, cluster) in &world.partner_clusters {
        links.entry(*partner).or_default().push(*cluster);
    }
    title_groups(&world.partners, log);
    let mut taken = HashMap::new();
    let mut out = Emitted::default();
    for p in &world.partners {
        let mut r = partner(p, log);
        if let Some((id, source)) = external(p, &mut taken, log) {
            r.insert("externalId".into(), id.into());
            r.insert("externalSource".into(), source.as_str().into());
        }
        let linked = links.get(&p.id).map_or(&[][..], Vec::as_slice);
        let linked = partner_clusters(p.id, linked, clusters, log);
        if !linked.is_empty() {
            let refs = linked.into_iter().map(|c| reference("cl", c)).collect();
            r.insert("clusters".into(), refs);
        }
        out.records.push(Value::Object(r));
        out.ids.push(p.id);
    }
    out
}

/// P3: partners sharing a title (compared trimmed, ignoring case) are all kept; each group is
/// reported, and flagged a probable duplicate when some have a vendor number and some not.
pub(super) fn title_groups(partners: &[Partner], log: &mut Log) {
    let mut groups: HashMap<String, Vec<&Partner>> = HashMap::new();
    for p in partners {
        groups
            .entry(p.title.trim().to_lowercase())
            .or_default()
            .push(p);
    }
    let mut shared: Vec<Vec<&Partner>> = groups.into_values().filter(|g| g.len() > 1).collect();
    shared.sort_by_key(|g| g.first().map(|p| p.id));
    for group in shared {
        let vendor = |p: &&Partner| {
            p.vendor_number
                .as_deref()
                .is_some_and(|v| !v.trim().is_empty())
        };
        let probable = group.iter().any(vendor) && !group.iter().all(vendor);
        let detail = if probable {
            "same title: probably one organisation re-created without a vendor number (kept; for a human to merge)"
        } else {
            "same title on several partners (kept: titles are not unique)"
        };
        log.note(anomaly(
            "P3",
            PARTNER,
            group.iter().map(|p| p.id).collect(),
            Outcome::Kept,
            detail,
        ));
    }
}

/// A partner's own fields, value by value (P2, P3, P5–P8).
pub(super) fn partner(p: &Partner, log: &mut Log) -> Map<String, Value> {
    let mut r = Map::new();
    r.insert("ref".into(), reference("p", p.id));
    r.insert("title".into(), partner_title(p, log).into());
    r.insert("shortTitle".into(), p.short_title.clone().into());
    put(&mut r, "alternateTitle", p.alternate_title.clone());
    let kind = partner_type(p, log);
    r.insert("partnerType".into(), kind.as_str().into());
    put(
        &mut r,
        "sharedPartner",
        shared_partner(p, log).map(SharedPartner::as_str),
    );
    put(
        &mut r,
        "csoType",
        cso_type(p, kind, log).map(CsoType::as_str),
    );
    put(&mut r, "email", contact_email(p, log));
    put(&mut r, "phoneNumber", p.phone_number.clone());
    put(&mut r, "streetAddress", p.street_address.clone());
    put(&mut r, "city", p.city.clone());
    put(&mut r, "postalCode", p.postal_code.clone());
    put(&mut r, "countryCode", country_code(p, log));
    put(&mut r, "totalCtCp", p.total_ct_cp.map(|d| d.to_string()));
    put(&mut r, "totalCtCy", p.total_ct_cy.map(|d| d.to_string()));
    put(&mut r, "vendorNumber", vendor_number(p, log));
    put(&mut r, "alternateId", p.alternate_id);
    put(&mut r, "rating", p.rating.clone());
    put(
        &mut r,
        "basisForRiskRating",
        p.basis_for_risk_rating.clone(),
    );
    put(&mut r, "typeOfAssessment", p.type_of_assessment.clone());
    put(&mut r, "ochaExternalId", p.ocha_external_id.clone());
    r
}

/// P3: the title trimmed.
pub(super) fn partner_title(p: &Partner, log: &mut Log) -> String {
    let title = p.title.trim();
    if title != p.title {
        log.note(change(
            "P3",
            PARTNER,
            vec![p.id],
            "title trimmed",
            (json!(p.title), json!(title)),
        ));
    }
    title.to_owned()
}

/// PartnerType by PRP value; anything else (P5, seen: '') is GOVERNMENT, PRP's default.
pub(super) fn partner_type(p: &Partner, log: &mut Log) -> PartnerType {
    let kind = match p.partner_type.as_str() {
        "B/M" => Some(PartnerType::BilateralMultilateral),
        "CSO" => Some(PartnerType::CivilSocietyOrganization),
        "Gov" => Some(PartnerType::Government),
        "UNA" => Some(PartnerType::UnAgency),
        _ => None,
    };
    kind.unwrap_or_else(|| {
        log.note(change(
            "P5",
            PARTNER,
            vec![p.id],
            "unknown partner type: GOVERNMENT, PRP's default",
            (
                json!({"partnerType": p.partner_type}),
                json!({"partnerType": "GOVERNMENT"}),
            ),
        ));
        PartnerType::Government
    })
}

/// SharedPartner by PRP value; an unknown one is left out (idm's default NO) and reported.
pub(super) fn shared_partner(p: &Partner, log: &mut Log) -> Option<SharedPartner> {
    let shared = match p.shared_partner.as_str() {
        "No" => Some(SharedPartner::No),
        "UND" => Some(SharedPartner::WithUndp),
        "UNF" => Some(SharedPartner::WithUnfpa),
        "U&U" => Some(SharedPartner::WithUndpAndUnfpa),
        _ => None,
    };
    if shared.is_none() {
        log.note(change(
            "P5",
            PARTNER,
            vec![p.id],
            "unknown shared-partner value: NO, PRP's default",
            (
                json!({"sharedPartner": p.shared_partner}),
                json!({"sharedPartner": "NO"}),
            ),
        ));
    }
    shared
}

/// P6: '' is null, a type on a non-CSO partner is dropped, 'RC' is RED_CROSS_RED_CRESCENT.
pub(super) fn cso_type(p: &Partner, kind: PartnerType, log: &mut Log) -> Option<CsoType> {
    let raw = p.cso_type.as_deref()?;
    let cso = match raw {
        "Int" => Some(CsoType::International),
        "Nat" => Some(CsoType::National),
        "CBO" => Some(CsoType::CommunityBasedOrganization),
        "AI" => Some(CsoType::AcademicInstitution),
        "RC" => Some(CsoType::RedCrossRedCrescent),
        _ => None,
    };
    let before = json!({"csoType": raw});
    let Some(cso) = cso else {
        let detail = if raw.trim().is_empty() {
            "blank CSO type: null"
        } else {
            "unknown CSO type: null"
        };
        log.note(change(
            "P6",
            PARTNER,
            vec![p.id],
            detail,
            (before, json!({"csoType": null})),
        ));
        return None;
    };
    if kind != PartnerType::CivilSocietyOrganization {
        let detail = format!("CSO type on a {} partner: dropped", kind.as_str());
        log.note(change(
            "P6",
            PARTNER,
            vec![p.id],
            detail,
            (before, json!({"csoType": null})),
        ));
        return None;
    }
    Some(cso)
}

/// P7: the contact email trimmed; '' is null; for a list, its first valid address; anything
/// else that is not an address is null.
pub(super) fn contact_email(p: &Partner, log: &mut Log) -> Option<String> {
    let raw = p.email.as_deref()?;
    let trimmed = raw.trim();
    let clean = if trimmed.is_empty() || is_email(trimmed) {
        (!trimmed.is_empty()).then(|| trimmed.to_owned())
    } else {
        trimmed
            .split([';', ','])
            .map(str::trim)
            .find(|a| is_email(a))
            .map(str::to_owned)
    };
    if clean.as_deref() != Some(raw) {
        let detail = match (&clean, trimmed.is_empty()) {
            (_, true) => "blank email: null",
            (Some(_), false) if is_email(trimmed) => "email trimmed",
            (Some(_), false) => "email list: its first valid address",
            (None, false) => "email is not an address: null",
        };
        log.note(change(
            "P7",
            PARTNER,
            vec![p.id],
            detail,
            (json!({"email": raw}), json!({"email": clean})),
        ));
    }
    clean
}

/// P8: the country code trimmed; '' (or a code idm does not know) is null.
pub(super) fn country_code(p: &Partner, log: &mut Log) -> Option<String> {
    let raw = p.country_code.as_deref()?;
    let code = raw.trim();
    let mut c = Checker::new(&[]);
    c.country_code("countryCode", Some(code));
    let clean = (!code.is_empty() && c.errors.is_empty()).then(|| code.to_owned());
    if clean.as_deref() != Some(raw) {
        let detail = if code.is_empty() {
            "blank country code: null"
        } else {
            "not an ISO 3166-1 alpha-2 code: null"
        };
        log.note(change(
            "P8",
            PARTNER,
            vec![p.id],
            detail,
            (json!({"countryCode": raw}), json!({"countryCode": clean})),
        ));
    }
    clean
}

/// P2: a blank vendor number is null.
pub(super) fn vendor_number(p: &Partner, log: &mut Log) -> Option<String> {
    let raw = p.vendor_number.as_deref()?;
    if raw.trim().is_empty() {
        log.note(change(
            "P2",
            PARTNER,
            vec![p.id],
            "blank vendor number: null",
            (json!({"vendorNumber": raw}), json!({"vendorNumber": null})),
        ));
        return None;
    }
    Some(raw.to_owned())
}

/// P4: the external id and source go together; an id without a source (eTools) or a source
/// without an id is dropped, and counted as not carried over; so is a pair a partner of a
/// lower id already holds (idm keeps (source, id) unique; PRP does not).
pub(super) fn external(
    p: &Partner,
    taken: &mut HashMap<(ExternalSource, String), i64>,
    log: &mut Log,
) -> Option<(String, ExternalSource)> {
    let blank_is_none = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    let (id, source) = (
        blank_is_none(&p.external_id),
        blank_is_none(&p.external_source),
    );
    let known = source.as_deref().and_then(ExternalSource::parse);
    let detail = match (&id, &source, known) {
        (None, None, _) => return None,
        (Some(id), Some(_), Some(known)) => match taken.entry((known, id.clone())) {
            Entry::Vacant(v) => {
                v.insert(p.id);
                return Some((id.clone(), known));
            }
            Entry::Occupied(o) => format!(
                "{} id {id} already belongs to partner {}: dropped here",
                known.as_str(),
                o.get()
            ),
        },
        (Some(_), None, _) => "external id without a source (eTools partner id): dropped".into(),
        (Some(_), Some(_), None) => "external source unknown: id and source dropped".into(),
        (None, Some(_), _) => "external source without an id: dropped".into(),
    };
    if id.is_some() {
        log.lose(PARTNER, "external_id", 1);
    }
    if source.is_some() {
        log.lose(PARTNER, "external_source", 1);
    }
    let before = json!({"externalId": p.external_id, "externalSource": p.external_source});
    log.note(change(
        "P4",
        PARTNER,
        vec![p.id],
        detail,
        (before, json!({})),
    ));
    None
}

/// The partner's clusters through the C2 map, deduplicated; links to a refused plan-less
/// cluster are left out (the cluster's own anomaly blocks the run).
pub(super) fn partner_clusters(
    partner: i64,
    links: &[i64],
    clusters: &Clusters,
    log: &mut Log,
) -> Vec<i64> {
    let mut out: Vec<i64> = Vec::with_capacity(links.len());
    let mut repointed = false;
    for &c in links {
        let Ok(target) = clusters.target(c) else {
            continue;
        };
        repointed |= target != c;
        if !out.contains(&target) {
            out.push(target);
        }
    }
    if repointed {
        log.note(change(
            "C2",
            PARTNER,
            vec![partner],
            "cluster links repointed to the kept cluster of a merged pair",
            (json!({"clusters": links}), json!({"clusters": out})),
        ));
    }
    out
}

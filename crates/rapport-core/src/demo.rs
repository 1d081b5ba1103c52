//! Synthetic demo data: varied names (accents included), phones, ages, cities, pointers, staff
//! and a few weeks of appointments around today. Deterministic for a given seed and day.
//! Nothing here is real: every name is drawn from a list and combined at random.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rapport_model::{
    Appointment, AppointmentId, Attendant, Booking, Consent, NewPatient, Operation, Patient, PatientId, Pointer,
    PointerId, PointerKind, PracticalNeed, Role, Source, Staff, StaffId,
};
use rapport_store::audit::{self, NewAuditEntry};
use rapport_store::{Secret, records, search};
use serde::Serialize;

use crate::{Rapport, Result, Session, hash_password, local_day_bounds};

const GIVEN: &[&str] = &[
    "Aarav",
    "Ananya",
    "Priya",
    "Rahul",
    "Lakshmi",
    "Venkatesh",
    "Meera",
    "Arjun",
    "Kavya",
    "Rohan",
    "Fatima",
    "Mohammed",
    "Aisha",
    "Omar",
    "Zoë",
    "Chloé",
    "Renée",
    "Amélie",
    "François",
    "José",
    "María",
    "Lucía",
    "Tomás",
    "Sofía",
    "Søren",
    "Björn",
    "Åsa",
    "Łukasz",
    "Zofia",
    "Siobhán",
    "Seán",
    "Niamh",
    "Grace",
    "Daniel",
    "Emma",
    "Olivia",
    "Noah",
    "Liam",
    "Wei",
    "Mei",
    "Hiroshi",
    "Yuki",
    "Min-jun",
    "Ji-woo",
    "Thanh",
    "Linh",
    "Kwame",
    "Ama",
    "Chinedu",
    "Ngozi",
    "Dimitris",
    "Eleni",
    "Mateus",
    "João",
    "Ayşe",
    "Mehmet",
    "Nikolai",
    "Irina",
    "Li",
    "Jo",
];

const FAMILY: &[&str] = &[
    "Sharma",
    "Iyer",
    "Patel",
    "Reddy",
    "Nair",
    "Menon",
    "Kulkarni",
    "Desai",
    "Fernandes",
    "D'Souza",
    "Khan",
    "Hussain",
    "García",
    "Fernández",
    "Núñez",
    "Álvarez",
    "Müller",
    "Schäfer",
    "Dubois",
    "Lefèvre",
    "Rossi",
    "Bianchi",
    "Silva",
    "Gonçalves",
    "Kowalski",
    "Wiśniewska",
    "O'Brien",
    "Ó Súilleabháin",
    "Johansson",
    "Sørensen",
    "Nguyễn",
    "Trần",
    "Chen",
    "Wang",
    "Tanaka",
    "Satō",
    "Kim",
    "Park",
    "Okafor",
    "Mensah",
    "Adeyemi",
    "Papadopoulos",
    "Öztürk",
    "Yılmaz",
    "Ivanova",
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Garcia",
    "Johnson",
    "Lee",
];

const NICKNAMES: &[(&str, &str)] = &[
    ("Venkatesh", "Venky"),
    ("Lakshmi", "Lux"),
    ("Mohammed", "Mo"),
    ("Łukasz", "Luke"),
    ("Siobhán", "Shiv"),
    ("Dimitris", "Jim"),
    ("Hiroshi", "Hiro"),
    ("Olivia", "Liv"),
    ("Daniel", "Dan"),
    ("Nikolai", "Kolya"),
    ("Chinedu", "Chi"),
    ("María", "Mari"),
];

const PRONUNCIATIONS: &[(&str, &str)] = &[
    ("Siobhán", "shi-VAWN"),
    ("Niamh", "NEEV"),
    ("Seán", "SHAWN"),
    ("Søren", "SUR-en"),
    ("Nguyễn", "NWIN"),
    ("Ó Súilleabháin", "oh SULL-i-van"),
    ("Łukasz", "WOO-kash"),
    ("Chinedu", "chee-NEH-doo"),
];

const PLACES: &[(&str, &[&str])] = &[
    ("Bengaluru", &["Indiranagar", "Koramangala", "Jayanagar", "Whitefield", "Malleshwaram"]),
    ("Pune", &["Kothrud", "Aundh", "Baner"]),
    ("Panaji", &["Miramar", "Altinho"]),
    ("Mumbai", &["Bandra", "Andheri", "Dadar"]),
    ("Mysuru", &["Gokulam", "Vijayanagar"]),
];

const TRAVEL: &[&str] = &["Goa", "Kerala", "Lisbon", "the Himalayas", "Singapore", "Rajasthan", "Sri Lanka", "Kyoto"];
const HOBBIES: &[&str] = &[
    "cricket on Sundays",
    "the veena",
    "marathon training",
    "gardening",
    "chess club",
    "Carnatic music",
    "birdwatching",
    "baking",
];
const WORK: &[&str] = &[
    "Started a new job at a software firm",
    "Retired from the railways last year",
    "Opened a bakery",
    "Teaching at the primary school",
    "Night shifts at the hospital",
];
const FAMILY_NEWS: &[&str] = &[
    "New grandson",
    "Son started college",
    "Twins turned five",
    "Looking after elderly mother",
    "Daughter moved abroad",
];
const EVENTS: &[&str] = &[
    "Daughter's wedding",
    "Moving house",
    "Knee surgery for husband",
    "Son's graduation",
    "Big cricket final",
    "Housewarming",
];
const PREFERENCES: &[&str] = &[
    "Prefers to be called by first name",
    "Likes a chat about films",
    "Prefers a female doctor",
    "Anxious about needles: go gently",
];
const AVOID: &[&str] =
    &["Recently bereaved: do not ask about spouse", "Divorce: avoid asking about partner", "Lost job: avoid work talk"];
const CONDITIONS: &[&str] = &["diabetes", "hypertension", "asthma", "thyroid", "pregnancy", "arthritis"];
const REASONS: &[&str] =
    &["Follow-up", "Check-up", "Blood pressure review", "Vaccination", "Diabetes review", "Cough and cold", "Results"];
const REFERRALS: &[&str] = &["Walk-in", "Family member", "Google search", "Dr. Rao (referring GP)", "Corporate tie-up"];

/// The demo's staff: three doctors, two receptionists, a manager.
const DEMO_STAFF: &[(&str, &str, Role)] = &[
    ("dr.mehta", "Dr. Asha Mehta", Role::Clinician),
    ("dr.alvarez", "Dr. Tomás Álvarez", Role::Clinician),
    ("dr.okafor", "Dr. Grace Okafor", Role::Clinician),
    ("priya", "Priya (front desk)", Role::FrontDesk),
    ("sam", "Sam (front desk)", Role::FrontDesk),
    ("manager", "Clinic manager", Role::Manager),
];

#[derive(Debug, Clone, Serialize)]
pub struct DemoSummary {
    pub patients: usize,
    pub pointers: usize,
    pub staff_added: usize,
    pub appointments: usize,
}

/// Generates demo patients directly (deterministic from the seed), used by `demo` and benchmarks.
pub fn patients(seed: u64, count: usize, now: DateTime<Utc>, doctors: &[StaffId]) -> Vec<Patient> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let today = now.date_naive();
    (0..count).map(|i| patient(&mut rng, i, now, today, doctors)).collect()
}

fn id_bytes(rng: &mut ChaCha8Rng) -> [u8; 10] {
    let mut b = [0u8; 10];
    rng.fill(&mut b);
    b
}

fn pick<'a>(rng: &mut ChaCha8Rng, list: &[&'a str]) -> &'a str {
    list.choose(rng).copied().unwrap_or_default()
}

fn patient(rng: &mut ChaCha8Rng, i: usize, now: DateTime<Utc>, today: NaiveDate, doctors: &[StaffId]) -> Patient {
    let given = pick(rng, GIVEN);
    let family = pick(rng, FAMILY);
    let (city, areas) = PLACES.choose(rng).copied().unwrap_or(("Bengaluru", &["Indiranagar"]));
    let age_days = rng.random_range(200..33_000);
    let created = now - Duration::days(rng.random_range(1..1500));
    let mut phones = vec![format!("+91 9{:04} {:05}", rng.random_range(0..10_000), rng.random_range(0..100_000))];
    if rng.random_bool(0.15) {
        phones.push(format!("080 {:04} {:04}", rng.random_range(0..10_000), rng.random_range(0..10_000)));
    }
    let mut needs = Vec::new();
    if rng.random_bool(0.05) {
        needs.push(PracticalNeed::Wheelchair);
    }
    if rng.random_bool(0.05) {
        needs.push(PracticalNeed::HearingImpaired);
    }
    if rng.random_bool(0.04) {
        needs.push(PracticalNeed::Interpreter(pick(rng, &["Kannada", "Tamil", "Hindi", "Portuguese"]).to_owned()));
    }
    if rng.random_bool(0.08) {
        needs.push(if rng.random_bool(0.5) {
            PracticalNeed::PrefersEarlySlots
        } else {
            PracticalNeed::PrefersLateSlots
        });
    }
    let conditions = CONDITIONS.iter().filter(|_| rng.random_bool(0.08)).map(|c| (*c).to_owned()).collect();
    let attendants = if rng.random_bool(0.1) {
        vec![Attendant {
            name: format!("{} {family}", pick(rng, GIVEN)),
            relation: pick(rng, &["daughter", "son", "spouse", "carer"]).to_owned(),
            phone: Some(format!("+91 8{:04} {:05}", rng.random_range(0..10_000), rng.random_range(0..100_000))),
        }]
    } else {
        Vec::new()
    };
    let new = NewPatient {
        given: given.to_owned(),
        family: family.to_owned(),
        preferred: NICKNAMES
            .iter()
            .find(|(g, _)| *g == given)
            .filter(|_| rng.random_bool(0.6))
            .map(|(_, n)| (*n).to_owned()),
        pronunciation: PRONUNCIATIONS.iter().find(|(n, _)| *n == given || *n == family).map(|(_, p)| (*p).to_owned()),
        birth_date: Some(today - Duration::days(age_days)),
        birth_year: None,
        sex: Some(pick(rng, &["female", "male"]).to_owned()),
        gender: None,
        language: Some(pick(rng, &["English", "Kannada", "Hindi", "Tamil", "Konkani", "Marathi"]).to_owned()),
        phones,
        email: rng.random_bool(0.5).then(|| format!("patient{i}@example.invalid")),
        address: Some(format!(
            "{} {} Road",
            rng.random_range(1..400),
            pick(rng, &["Temple", "Station", "Lake", "Market", "Hill"])
        )),
        city: Some(city.to_owned()),
        area: Some(pick(rng, areas).to_owned()),
        consent: Consent {
            sms: rng.random_bool(0.8),
            email: rng.random_bool(0.4),
            phone: true,
            opted_out: rng.random_bool(0.05),
            quiet_hours: None,
        },
        referral_source: Some(pick(rng, REFERRALS).to_owned()),
        referring_doctor: None,
        usual_doctor: doctors.choose(rng).copied(),
        practical_needs: needs,
        conditions,
        attendants,
    };
    let id = PatientId::from_parts(u64::try_from(created.timestamp_millis()).unwrap_or(0), id_bytes(rng));
    new.into_patient(id, String::new(), created)
}

fn pointers_for(rng: &mut ChaCha8Rng, p: &Patient, today: NaiveDate, author: &Staff, clinic: &str) -> Vec<Pointer> {
    let n = rng.random_range(0..=3);
    (0..n)
        .map(|_| {
            let kind = *[
                PointerKind::Travel,
                PointerKind::Hobby,
                PointerKind::Work,
                PointerKind::Family,
                PointerKind::LifeEvent,
                PointerKind::Preference,
                PointerKind::AvoidTopic,
            ]
            .choose(rng)
            .unwrap_or(&PointerKind::Hobby);
            let kind =
                if kind == PointerKind::AvoidTopic && !rng.random_bool(0.25) { PointerKind::Hobby } else { kind };
            let (text, event_date) = match kind {
                PointerKind::Travel => (format!("Back from a holiday in {}", pick(rng, TRAVEL)), None),
                PointerKind::Hobby => (format!("Loves {}", pick(rng, HOBBIES)), None),
                PointerKind::Work => (pick(rng, WORK).to_owned(), None),
                PointerKind::Family => (pick(rng, FAMILY_NEWS).to_owned(), None),
                PointerKind::LifeEvent => {
                    (pick(rng, EVENTS).to_owned(), Some(today + Duration::days(rng.random_range(-20..60))))
                }
                PointerKind::Preference => (pick(rng, PREFERENCES).to_owned(), None),
                PointerKind::AvoidTopic => (pick(rng, AVOID).to_owned(), None),
            };
            let created =
                (today - Duration::days(rng.random_range(1..200))).and_hms_opt(10, 0, 0).unwrap_or_default().and_utc();
            Pointer {
                id: PointerId::from_parts(u64::try_from(created.timestamp_millis()).unwrap_or(0), id_bytes(rng)),
                patient_id: p.id,
                kind,
                text,
                event_date,
                author: author.id,
                author_name: author.display_name.clone(),
                author_role: author.role,
                clinic: clinic.to_owned(),
                source: *[Source::Call, Source::CheckIn, Source::Visit].choose(rng).unwrap_or(&Source::Visit),
                created_at: created,
                supersedes: None,
                retracted_at: None,
                marks: Vec::new(),
            }
        })
        .collect()
}

impl Rapport {
    /// Loads `count` synthetic patients with pointers, the demo staff (password `staff_password`
    /// or, without one, a random password nobody knows) and four weeks of appointments.
    pub fn load_demo(
        &mut self,
        s: &Session,
        count: usize,
        seed: u64,
        staff_password: Option<&Secret>,
    ) -> Result<DemoSummary> {
        s.require(Operation::LoadDemoData)?;
        let now = self.clock.now();
        let today = self.today();
        let clinic = self.clinic_name()?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
        let password = match staff_password {
            Some(p) => p.clone(),
            None => Secret::new(format!("{:032x}", rng.random::<u128>())),
        };
        crate::check_password(&password)?;
        let hash = hash_password(&password)?;
        let mut new_staff = Vec::new();
        for (login, name, role) in DEMO_STAFF {
            if records::staff_by_login(self.store.conn(), login)?.is_none() {
                let created = now - Duration::days(400);
                new_staff.push(Staff {
                    id: StaffId::from_parts(u64::try_from(created.timestamp_millis()).unwrap_or(0), id_bytes(&mut rng)),
                    login: (*login).to_owned(),
                    display_name: (*name).to_owned(),
                    role: *role,
                    active: true,
                    created_at: created,
                });
            }
        }
        let existing_doctors: Vec<Staff> = records::staff_with_role(self.store.conn(), Role::Clinician)?;
        let doctors: Vec<Staff> = existing_doctors
            .into_iter()
            .chain(new_staff.iter().filter(|s| s.role == Role::Clinician).cloned())
            .collect();
        let doctor_ids: Vec<StaffId> = doctors.iter().map(|d| d.id).collect();
        let front_desk =
            new_staff.iter().find(|s| s.role == Role::FrontDesk).cloned().unwrap_or_else(|| s.staff.clone());
        let mut people = patients(seed, count, now, &doctor_ids);
        let mut summary =
            DemoSummary { patients: people.len(), pointers: 0, staff_added: new_staff.len(), appointments: 0 };

        self.store.write(|tx| -> Result<()> {
            for st in &new_staff {
                records::insert_staff(tx, st, &hash)?;
            }
            for p in &mut people {
                p.record_no = records::next_record_no(tx)?;
                records::insert_patient(tx, p)?;
                for pointer in pointers_for(&mut rng, p, today, &front_desk, &clinic) {
                    records::insert_pointer(tx, &pointer)?;
                    summary.pointers += 1;
                }
            }
            // Four weeks of clinic days around today: 09:00–13:00 in 15-minute slots, about
            // two thirds booked. Past days are done, missed or cancelled; today is under way.
            // The desk moves a patient up in search when it books them and when they arrive:
            // each booked patient is touched as the desk would have, oldest first.
            let mut touches: Vec<(DateTime<Utc>, PatientId)> = Vec::new();
            if !people.is_empty() && !doctors.is_empty() {
                for day_offset in -14..=14i64 {
                    let day = today + Duration::days(day_offset);
                    let (day_start, _) = local_day_bounds(day);
                    for doctor in &doctors {
                        for slot in 0..16 {
                            if !rng.random_bool(0.65) {
                                continue;
                            }
                            let starts_at = day_start + Duration::hours(9) + Duration::minutes(15 * slot);
                            let patient = &people[rng.random_range(0..people.len())];
                            let appt = demo_appointment(&mut rng, patient.id, doctor.id, front_desk.id, starts_at, now);
                            if !records::overlapping_appointments(tx, doctor.id, starts_at, 15)?.is_empty() {
                                continue;
                            }
                            records::insert_appointment(tx, &appt)?;
                            touches.push((appt.arrived_at.unwrap_or(appt.booked_at).min(now), appt.patient_id));
                            summary.appointments += 1;
                        }
                    }
                }
            }
            touches.sort();
            for (at, patient) in touches {
                records::touch_patient(tx, patient, at)?;
            }
            if people.len() > 1000 {
                search::optimize(tx)?;
            }
            let subject = format!("{} patients", people.len());
            audit::append(
                tx,
                &NewAuditEntry {
                    at: now,
                    staff_id: Some(s.staff.id),
                    action: "demo.load",
                    patient_id: None,
                    subject: Some(&subject),
                },
            )?;
            Ok(())
        })?;
        Ok(summary)
    }
}

fn demo_appointment(
    rng: &mut ChaCha8Rng,
    patient: PatientId,
    doctor: StaffId,
    booked_by: StaffId,
    starts_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Appointment {
    let booking = Booking { patient, doctor, starts_at, minutes: 15, reason: Some(pick(rng, REASONS).to_owned()) };
    let id = AppointmentId::from_parts(u64::try_from(starts_at.timestamp_millis()).unwrap_or(0), id_bytes(rng));
    let booked_at = starts_at - Duration::days(rng.random_range(1..20));
    let mut a = Appointment::booked(id, booking, booked_by, booked_at);
    use rapport_model::StatusChange::*;
    let steps: &[(rapport_model::StatusChange, i64)] = if starts_at + Duration::minutes(60) < now {
        match rng.random_range(0..100) {
            0..12 => &[(NoShow, 30)],
            12..18 => &[(Cancel, -600)],
            _ => &[(Confirm, -1440), (CheckIn, -10), (Seen, 12), (Done, 27)],
        }
    } else if starts_at < now {
        &[(CheckIn, -5)]
    } else if rng.random_bool(0.5) {
        &[(Confirm, -1440)]
    } else {
        &[]
    };
    for (change, offset) in steps {
        let at = (starts_at + Duration::minutes(*offset + rng.random_range(0..8))).min(now);
        let _ = a.apply(*change, at);
    }
    a
}

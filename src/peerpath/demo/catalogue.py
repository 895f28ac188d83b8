"""
The fixed material the demo school is generated from.

Names are grouped by heritage so that given and family names (and the
languages spoken at home) fit together most of the time; the people are
invented, and any likeness to a real person is a coincidence. Nothing here
touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass

ORGANIZATION_NAME = "Riverbend Unified School District"
ORGANIZATION_SLUG = "riverbend"
SCHOOL_NAME = "Riverbend High School"
SCHOOL_SLUG = "riverbend-high"
STUDENT_DOMAIN = "students.riverbend.example"
FAMILY_DOMAIN = "families.riverbend.example"
STAFF_DOMAIN = "riverbend.example"


@dataclass(frozen=True)
class HeritageGroup:
    """Names and home languages that commonly go together, with a share of the roster."""

    key: str
    weight: float
    given: tuple[str, ...]
    family: tuple[str, ...]
    adult_given: tuple[str, ...]
    # (language code, probability that it is spoken at home)
    home_languages: tuple[tuple[str, float], ...] = ()


# fmt: off
HERITAGE_GROUPS: tuple[HeritageGroup, ...] = (
    HeritageGroup(
        key="european_american",
        weight=0.29,
        given=(
            "Olivia", "Liam", "Emma", "Noah", "Ava", "Ethan", "Sophia", "Mason", "Grace",
            "Logan", "Chloe", "Owen", "Hannah", "Wyatt", "Abigail", "Caleb", "Ella", "Lucas",
            "Madison", "Henry", "Lily", "Jack", "Avery", "Carter", "Harper", "Connor", "Riley",
            "Dylan", "Katherine", "Samuel", "Natalie", "Benjamin", "Zoë", "Tyler", "Claire",
        ),
        family=(
            "Anderson", "Brooks", "Carlson", "Dawson", "Ellison", "Fischer", "Gallagher",
            "Hartman", "Iverson", "Jensen", "Keller", "Lindqvist", "McAllister", "Novak",
            "O'Brien", "Pearson", "Quinlan", "Reinhardt", "Sullivan", "Thornton", "Underwood",
            "Vance", "Whitaker", "Yates", "Zimmerman", "Callahan", "Hoffman", "Lindgren",
            "Murphy", "Schneider", "Walsh", "Baker", "Caldwell", "Donnelly", "Foster",
        ),
        adult_given=(
            "Jennifer", "Michael", "Sarah", "David", "Heather", "Brian", "Amanda", "Jason",
            "Kristen", "Matthew", "Laura", "Christopher", "Melissa", "Daniel",
        ),
    ),
    HeritageGroup(
        key="latino",
        weight=0.27,
        given=(
            "Sofía", "Mateo", "Valentina", "Santiago", "Camila", "Diego", "Isabella", "Alejandro",
            "Ximena", "Emiliano", "Lucía", "Joaquín", "Daniela", "Adrián", "Mariana", "Gael",
            "Renata", "Andrés", "Paola", "Luis", "Gabriela", "Carlos", "Jimena", "Javier",
            "Natalia", "Iker", "Fernanda", "Marco", "Elena", "Rafael", "Victoria", "Tomás",
        ),
        family=(
            "García", "Hernández", "López", "Martínez", "Rodríguez", "Gonzalez", "Pérez",
            "Sánchez", "Ramírez", "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Morales",
            "Reyes", "Cruz", "Ortiz", "Gutiérrez", "Chávez", "Ramos", "Vargas", "Castillo",
            "Mendoza", "Ruiz", "Álvarez", "Jiménez", "Moreno", "Romero", "Herrera", "Medina",
            "Aguilar", "Vega", "Delgado", "Castro", "Salazar", "De la Cruz",
        ),
        adult_given=(
            "María", "José", "Guadalupe", "Juan", "Rosa", "Miguel", "Ana", "Jorge", "Carmen",
            "Ricardo", "Verónica", "Francisco", "Leticia", "Héctor",
        ),
        home_languages=(("es", 0.62),),
    ),
    HeritageGroup(
        key="african_american",
        weight=0.13,
        given=(
            "Jaylen", "Aaliyah", "Malik", "Imani", "Darius", "Nia", "Jalen", "Kiara", "Xavier",
            "Maya", "Isaiah", "Jasmine", "Elijah", "Destiny", "Marcus", "Zaria", "Terrence",
            "Brianna", "Andre", "Amara", "Cameron", "Trinity", "Jordan", "Kennedy", "Micah",
            "Tiana", "Josiah", "Aniyah", "Desmond", "Janelle",
        ),
        family=(
            "Washington", "Jefferson", "Jackson", "Robinson", "Coleman", "Bryant", "Booker",
            "Freeman", "Holloway", "Mitchell", "Simmons", "Banks", "Gaines", "Hayes",
            "Wallace", "Dorsey", "Merriweather", "Pryor", "Whitfield", "Greene", "Boyd",
            "Tate", "Harrell", "Sims", "Lockhart",
        ),
        adult_given=(
            "Tamika", "Darnell", "Keisha", "Andre", "LaToya", "Marcus", "Monique", "Derrick",
            "Tonya", "Reginald", "Danielle", "Cedric",
        ),
    ),
    HeritageGroup(
        key="vietnamese",
        weight=0.05,
        given=(
            "Linh", "Minh", "Anh", "Bao", "Thao", "Khoa", "Ngoc", "Duc", "Trang", "Huy",
            "Mai", "Quang", "Vy", "Tuan", "Phuong", "Long", "Hanh", "Khanh",
        ),
        family=(
            "Nguyen", "Tran", "Le", "Pham", "Hoang", "Huynh", "Vo", "Dang", "Bui", "Do",
            "Ngo", "Duong", "Ly", "Truong",
        ),
        adult_given=("Thuy", "Hung", "Lan", "Dung", "Hoa", "Thanh", "Nga", "Cuong"),
        home_languages=(("vi", 0.68),),
    ),
    HeritageGroup(
        key="chinese",
        weight=0.04,
        given=(
            "Yichen", "Xinyi", "Haoran", "Zihan", "Jiayi", "Ruoxi", "Kai", "Mei", "Wei",
            "Yutong", "Jun", "Ling", "Chen", "Zhiwei", "Anqi", "Hao",
        ),
        family=(
            "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu",
            "Sun", "Ma", "Lin", "Guo",
        ),
        adult_given=("Xiaoming", "Hui", "Jian", "Yan", "Lei", "Fang", "Qiang", "Min"),
        home_languages=(("zh", 0.62),),
    ),
    HeritageGroup(
        key="filipino",
        weight=0.04,
        given=(
            "Angelo", "Bea", "Joshua", "Kristine", "Paolo", "Mikaela", "Rafael", "Jasmine",
            "Carlo", "Andrea", "Miguel", "Nicole", "Gabriel", "Patricia", "Jericho", "Trisha",
        ),
        family=(
            "Santos", "Reyes", "Bautista", "Villanueva", "Mendoza", "Aquino", "Dizon",
            "Manalo", "Pascual", "Salvador", "Castillo", "Navarro", "Dela Cruz", "Tolentino",
        ),
        adult_given=("Maricel", "Rodel", "Jocelyn", "Ramon", "Lorna", "Edgardo", "Rowena"),
        home_languages=(("tl", 0.45),),
    ),
    HeritageGroup(
        key="arab",
        weight=0.04,
        given=(
            "Omar", "Layla", "Yusuf", "Amira", "Karim", "Noor", "Ali", "Salma", "Hamza",
            "Yasmin", "Zaid", "Rania", "Tariq", "Huda", "Sami", "Leen",
        ),
        family=(
            "Haddad", "Khalil", "Mansour", "Nasser", "Saleh", "Hamdan", "Aziz", "Farouk",
            "Darwish", "Qasim", "Jaber", "Awad", "Sabbagh", "Abboud",
        ),
        adult_given=("Fatima", "Ahmad", "Mariam", "Khaled", "Samira", "Walid", "Hanan"),
        home_languages=(("ar", 0.72),),
    ),
    HeritageGroup(
        key="south_asian",
        weight=0.04,
        given=(
            "Aarav", "Ananya", "Rohan", "Priya", "Arjun", "Diya", "Vikram", "Ishaan", "Meera",
            "Kabir", "Saanvi", "Nikhil", "Aisha", "Dev", "Tara", "Zain", "Riya", "Harpreet",
        ),
        family=(
            "Patel", "Shah", "Singh", "Kaur", "Reddy", "Iyer", "Desai", "Mehta", "Chaudhry",
            "Khan", "Rahman", "Joshi", "Nair", "Gill", "Bhatt", "Malik",
        ),
        adult_given=("Sunita", "Rajesh", "Anjali", "Sanjay", "Kavita", "Imran", "Neha"),
        home_languages=(("hi", 0.22), ("gu", 0.12), ("pa", 0.1), ("ur", 0.1), ("bn", 0.06)),
    ),
    HeritageGroup(
        key="korean",
        weight=0.02,
        given=("Minjun", "Seoyeon", "Jiwoo", "Hayoon", "Dohyun", "Yerin", "Joon", "Sora"),
        family=("Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Yoon", "Han"),
        adult_given=("Eunji", "Sungmin", "Hyejin", "Youngho", "Jiyoung"),
        home_languages=(("ko", 0.55),),
    ),
    HeritageGroup(
        key="east_african",
        weight=0.03,
        given=(
            "Abdi", "Hodan", "Liban", "Ayaan", "Mahad", "Sagal", "Yonas", "Selam", "Dawit",
            "Hiwot", "Bilan", "Abel", "Meron", "Hamza", "Ifrah",
        ),
        family=(
            "Warsame", "Abdullahi", "Farah", "Hussein", "Osman", "Tesfaye", "Bekele", "Haile",
            "Girma", "Mohamud", "Ali", "Gebre", "Yusuf",
        ),
        adult_given=("Halima", "Abdirahman", "Almaz", "Tekle", "Faduma", "Mulugeta"),
        home_languages=(("so", 0.45), ("am", 0.3)),
    ),
    HeritageGroup(
        key="haitian",
        weight=0.02,
        given=("Widlyne", "Jean-Paul", "Nadège", "Stanley", "Fabiola", "Ricardo", "Daphné"),
        family=("Jean-Baptiste", "Pierre", "Joseph", "Louis", "Charles", "Étienne", "Desir"),
        adult_given=("Marie", "Jean", "Nathalie", "Frantz", "Guerline"),
        home_languages=(("ht", 0.6), ("fr", 0.25)),
    ),
    HeritageGroup(
        key="eastern_european",
        weight=0.03,
        given=(
            "Anastasia", "Mykola", "Daria", "Artem", "Zofia", "Jakub", "Milena", "Oleksandr",
            "Kateryna", "Nikita", "Alina", "Maksym",
        ),
        family=(
            "Kovalenko", "Shevchenko", "Nowak", "Kowalski", "Ivanova", "Petrenko", "Wójcik",
            "Bondarenko", "Sokolov", "Lewandowski", "Melnyk",
        ),
        adult_given=("Olena", "Andriy", "Agnieszka", "Tomasz", "Svetlana", "Dmitri"),
        home_languages=(("uk", 0.3), ("ru", 0.2), ("pl", 0.2)),
    ),
)
# fmt: on

# Preferred names some students go by (given name → preferred name).
NICKNAMES: dict[str, str] = {
    "Alejandro": "Alex",
    "Katherine": "Kate",
    "Benjamin": "Ben",
    "Samuel": "Sam",
    "Nikhil": "Nik",
    "Oleksandr": "Sasha",
    "Gabriela": "Gabi",
    "Joaquín": "Quino",
    "Christopher": "Chris",
    "Abigail": "Abby",
    "Zhiwei": "David",
    "Yichen": "Ethan",
    "Xinyi": "Cindy",
    "Minjun": "Justin",
    "Jean-Paul": "JP",
    "Anastasia": "Stacy",
    "Kateryna": "Katya",
    "Fernanda": "Fer",
}


@dataclass(frozen=True)
class CourseSpec:
    """A course of the demo school and the grades that usually take it."""

    code: str
    name: str
    area: str
    grades: tuple[int, ...]


COURSES: tuple[CourseSpec, ...] = (
    CourseSpec("MATH-110", "Algebra I", "math", (9,)),
    CourseSpec("MATH-120", "Geometry", "math", (9, 10)),
    CourseSpec("MATH-210", "Algebra II", "math", (10, 11)),
    CourseSpec("MATH-310", "Precalculus", "math", (11, 12)),
    CourseSpec("MATH-330", "AP Statistics", "math", (11, 12)),
    CourseSpec("MATH-410", "AP Calculus AB", "math", (12,)),
    CourseSpec("MATH-420", "AP Calculus BC", "math", (12,)),
    CourseSpec("SCI-110", "Biology", "science", (9,)),
    CourseSpec("SCI-120", "Earth and Space Science", "science", (9,)),
    CourseSpec("SCI-210", "Chemistry", "science", (10,)),
    CourseSpec("SCI-310", "Physics", "science", (11,)),
    CourseSpec("SCI-320", "AP Biology", "science", (11, 12)),
    CourseSpec("SCI-330", "AP Chemistry", "science", (11, 12)),
    CourseSpec("SCI-340", "AP Physics 1", "science", (11, 12)),
    CourseSpec("SCI-350", "Environmental Science", "science", (11, 12)),
    CourseSpec("ENG-100", "English 9", "english", (9,)),
    CourseSpec("ENG-200", "English 10", "english", (10,)),
    CourseSpec("ENG-300", "AP English Language and Composition", "english", (11,)),
    CourseSpec("ENG-400", "AP English Literature and Composition", "english", (12,)),
    CourseSpec("ENG-150", "English Language Development", "english", (9, 10, 11, 12)),
    CourseSpec("SOC-110", "World History", "social_studies", (9,)),
    CourseSpec("SOC-210", "AP World History: Modern", "social_studies", (10,)),
    CourseSpec("SOC-310", "U.S. History", "social_studies", (11,)),
    CourseSpec("SOC-320", "AP U.S. History", "social_studies", (11,)),
    CourseSpec("SOC-410", "Government and Economics", "social_studies", (12,)),
    CourseSpec("SOC-230", "Psychology", "social_studies", (10, 11, 12)),
    CourseSpec("WL-SPA1", "Spanish I", "languages", (9, 10)),
    CourseSpec("WL-SPA2", "Spanish II", "languages", (10, 11)),
    CourseSpec("WL-SPA3", "Spanish III", "languages", (11, 12)),
    CourseSpec("WL-SPHS", "Spanish for Heritage Speakers", "languages", (9, 10, 11, 12)),
    CourseSpec("WL-FRE1", "French I", "languages", (9, 10)),
    CourseSpec("WL-MAN1", "Mandarin I", "languages", (9, 10, 11)),
    CourseSpec("CS-100", "Introduction to Computer Science", "computing", (9, 10)),
    CourseSpec("CS-200", "AP Computer Science Principles", "computing", (10, 11)),
    CourseSpec("CS-300", "AP Computer Science A", "computing", (11, 12)),
    CourseSpec("ART-100", "Studio Art", "arts", (9, 10, 11, 12)),
    CourseSpec("ART-210", "Digital Photography", "arts", (10, 11, 12)),
    CourseSpec("MUS-100", "Concert Band", "arts", (9, 10, 11, 12)),
    CourseSpec("THE-100", "Theatre Arts", "arts", (9, 10, 11, 12)),
)

SPORTS: tuple[str, ...] = (
    "soccer",
    "basketball",
    "track-and-field",
    "swimming",
    "volleyball",
    "football",
    "wrestling",
    "cross-country",
)

INTERESTS: tuple[str, ...] = (
    *SPORTS,
    "robotics",
    "coding",
    "video-games",
    "chess",
    "debate",
    "model-un",
    "theater",
    "music",
    "guitar",
    "drawing",
    "anime",
    "photography",
    "film",
    "creative-writing",
    "reading",
    "cooking",
    "dance",
    "hiking",
    "volunteering",
    "environment",
    "entrepreneurship",
    "astronomy",
)

GUARDIAN_RELATIONSHIPS: tuple[tuple[str, float], ...] = (
    ("mother", 0.52),
    ("father", 0.33),
    ("grandmother", 0.06),
    ("aunt", 0.03),
    ("uncle", 0.02),
    ("legal guardian", 0.04),
)


@dataclass(frozen=True)
class StaffSpec:
    """A staff member (or the demo guardian) who can log in."""

    key: str
    email: str
    given_name: str
    family_name: str
    role: str
    label: str


# fmt: off
STAFF: tuple[StaffSpec, ...] = (
    StaffSpec(
        "admin", "admin@riverbend.example", "Renée", "Okonkwo", "org_admin",
        "Organization admin (district)",
    ),
    StaffSpec(
        "coordinator", "coordinator@riverbend.example", "Dana", "Whitcombe", "coordinator",
        "Program coordinator",
    ),
    StaffSpec(
        "staff", "counselor@riverbend.example", "Hector", "Villalobos", "staff",
        "Staff (school counselor)",
    ),
    StaffSpec(
        "teacher", "teacher@riverbend.example", "Priya", "Raman", "staff",
        "Staff (math teacher)",
    ),
    StaffSpec(
        "safeguarding", "safeguarding@riverbend.example", "Gwen", "Ashdown",
        "safeguarding_lead", "Safeguarding lead",
    ),
)
# fmt: on


@dataclass(frozen=True)
class FeaturedStudent:
    """A student with a fixed name and login, placed in the programs on purpose."""

    key: str
    given_name: str
    family_name: str
    grade: int
    heritage: str
    label: str
    can_log_in: bool


# The demo guardian's children are the two Nguyen siblings.
FEATURED_STUDENTS: tuple[FeaturedStudent, ...] = (
    FeaturedStudent("mentor", "Maya", "Okafor", 12, "african_american", "Student (mentor)", True),
    FeaturedStudent("mentee", "Diego", "Ramírez", 9, "latino", "Student (mentee)", True),
    FeaturedStudent("child_1", "Linh", "Nguyen", 9, "vietnamese", "", False),
    FeaturedStudent("child_2", "Bao", "Nguyen", 10, "vietnamese", "", False),
)

DEMO_GUARDIAN_CHILDREN: tuple[str, ...] = ("child_1", "child_2")
DEMO_GUARDIAN = StaffSpec(
    "guardian",
    "guardian@riverbend.example",
    "Thuy",
    "Nguyen",
    "guardian",
    "Guardian (of Linh and Bao Nguyen)",
)


@dataclass(frozen=True)
class ProgramSpec:
    """A demo program: its settings, how many take part and how far they have got."""

    key: str
    name: str
    program_type: str
    status: str
    description: str
    objectives: str
    guidelines: str
    eligibility_notes: str
    mentor_grades: tuple[int, int]
    mentee_grades: tuple[int, int]
    capacity: int
    cadence: str
    session_minutes: int
    mentors_per_640: int
    mentees_per_640: int
    mentor_commitment: str
    mentee_commitment: str
    terms: str
    mentor_min_subject_grade: int | None
    mentor_training_minutes: int
    # Final status → weight; each is reached through the lifecycle from "applied".
    status_weights: tuple[tuple[str, float], ...]


TUTORING = ProgramSpec(
    key="tutoring",
    name="Peer Tutoring — Math & Science",
    program_type="peer_tutoring",
    status="running",
    description=(
        "Juniors and seniors who have done well in a math or science course tutor "
        "ninth and tenth graders who are working through it now. Tutors meet one, two "
        "or three tutees at a time in the library learning commons, at lunch or after "
        "school, and work on whatever the class is covering that week."
    ),
    objectives=(
        "Tutees pass their math and science courses and feel able to ask for help.\n"
        "Tutees hand in homework on time and prepare for unit tests with a plan.\n"
        "Tutors deepen their own understanding by explaining it and earn service hours."
    ),
    guidelines=(
        "Meet every week at the agreed time; tell your coordinator if you cannot.\n"
        "Tutors guide and ask questions — they do not do the homework for the tutee.\n"
        "Meet in the learning commons or another supervised space on campus.\n"
        "Keep what a tutee shares private, except when someone may be at risk: "
        "then tell the coordinator or the safeguarding lead the same day."
    ),
    eligibility_notes=(
        "Tutors: a B or better in each course they offer, and a teacher's recommendation. "
        "Tutees: any ninth or tenth grader; teachers and counselors may refer students."
    ),
    mentor_grades=(11, 12),
    mentee_grades=(9, 10),
    capacity=3,
    cadence="weekly",
    session_minutes=45,
    mentors_per_640=60,
    mentees_per_640=140,
    mentor_commitment="One 45-minute session a week for the semester, plus two hours of training.",
    mentee_commitment="Come to every weekly session with your homework or notes.",
    terms=(
        "Peer Tutoring — Math & Science pairs your child with a trained junior or senior "
        "tutor for one 45-minute session a week in the school's learning commons, at lunch "
        "or after school, under staff supervision. The program coordinator sees the "
        "subjects your child needs help with, their weekly availability and short session "
        "notes. Tutors are students: they do not grade work, and they pass on any concern "
        "about a student's safety to the school's safeguarding lead. You may withdraw your "
        "consent at any time from the link in the confirmation e-mail."
    ),
    mentor_min_subject_grade=80,
    mentor_training_minutes=120,
    status_weights=(
        ("applied", 0.16),
        ("screening", 0.14),
        ("ready", 0.34),
        ("matched", 0.14),
        ("closed", 0.04),
        ("waitlisted", 0.07),
        ("declined", 0.03),
        ("withdrawn", 0.08),
    ),
)

MENTORING = ProgramSpec(
    key="mentoring",
    name="Ninth-Grade Mentoring",
    program_type="one_to_one",
    status="recruiting",
    description=(
        "Every ninth grader who wants one gets an upperclass mentor for their first year "
        "at Riverbend. Mentor and mentee meet every other week to talk about classes, "
        "friends, clubs and whatever else comes with starting high school, and set a few "
        "goals together for the year."
    ),
    objectives=(
        "Ninth graders feel they belong at Riverbend and know where to turn for help.\n"
        "Mentees join at least one club, team or activity by the end of the first semester.\n"
        "Fewer course failures and absences in ninth grade than in years without the program."
    ),
    guidelines=(
        "Meet every two weeks for about half an hour, on campus during the school day.\n"
        "Mentors complete the training modules before they are matched.\n"
        "Be kind, be reliable, be yourself; mentors are role models, not counselors.\n"
        "If your mentee tells you something that worries you, tell the coordinator or the "
        "safeguarding lead — you do not have to handle it alone."
    ),
    eligibility_notes=(
        "Mentors: juniors and seniors in good standing, with a staff reference and the "
        "mentor training completed. Mentees: ninth graders; students new to the district "
        "are invited first."
    ),
    mentor_grades=(11, 12),
    mentee_grades=(9, 9),
    capacity=1,
    cadence="fortnightly",
    session_minutes=30,
    mentors_per_640=50,
    mentees_per_640=90,
    mentor_commitment="A 30-minute meeting every two weeks for the school year, plus training.",
    mentee_commitment="Meet your mentor every two weeks and tell them when something is hard.",
    terms=(
        "Ninth-Grade Mentoring pairs your child with a trained eleventh- or twelfth-grade "
        "mentor for the school year. They meet for about 30 minutes every two weeks on "
        "campus during the school day, and may exchange messages in Peerpath, which staff "
        "can review. The coordinator sees the goals your child sets and short meeting "
        "notes. Mentors pass on any concern about a student's safety to the school's "
        "safeguarding lead. You may withdraw your consent at any time from the link in the "
        "confirmation e-mail."
    ),
    mentor_min_subject_grade=None,
    mentor_training_minutes=120,
    status_weights=(
        ("applied", 0.34),
        ("screening", 0.24),
        ("ready", 0.26),
        ("waitlisted", 0.07),
        ("declined", 0.02),
        ("withdrawn", 0.07),
    ),
)

PROGRAMS: tuple[ProgramSpec, ...] = (TUTORING, MENTORING)

# Not in PROGRAMS: the study circles are formed by a group round, not paired
# (see :mod:`peerpath.demo.groups`).
STUDY_GROUPS = ProgramSpec(
    key="groups",
    name="Ninth-Grade Study Circles",
    program_type="study_groups",
    status="running",
    description=(
        "Small study circles of ninth graders, each with an upperclass peer leader, meet "
        "once a week in the library to go over homework, prepare for unit tests and "
        "share what works. Circles are formed by Peerpath from everyone's free times, so "
        "every circle has at least one period its members can all make."
    ),
    objectives=(
        "Ninth graders have a regular time and a group to study with.\n"
        "Members hand in homework on time and prepare for tests together."
    ),
    guidelines=(
        "Meet once a week for 45 minutes at the time your circle shares.\n"
        "Peer leaders keep the circle on task; they are not teachers.\n"
        "Use the circle's board to plan, not to share phone numbers or addresses."
    ),
    eligibility_notes=(
        "Members: ninth graders. Peer leaders: juniors and seniors in good standing "
        "who have completed the leader training."
    ),
    mentor_grades=(11, 12),
    mentee_grades=(9, 9),
    capacity=1,
    cadence="weekly",
    session_minutes=45,
    mentors_per_640=6,
    mentees_per_640=24,
    mentor_commitment="Lead a 45-minute circle every week for the semester, plus training.",
    mentee_commitment="Come to your circle every week with the homework you want to work on.",
    terms=(
        "Ninth-Grade Study Circles places your child in a small study group of ninth "
        "graders led by a trained eleventh- or twelfth-grade student. Circles meet for "
        "45 minutes once a week on campus, and members may post on their circle's board "
        "in Peerpath, which staff can review. You may withdraw your consent at any time "
        "from the link in the confirmation e-mail."
    ),
    mentor_min_subject_grade=None,
    mentor_training_minutes=60,
    status_weights=(("ready", 1.0),),
)

# Goals written the way students write them; ``{course}`` is filled in.
TUTEE_GOALS: tuple[str, ...] = (
    "Bring my {course} grade up to a B by the end of the semester.",
    "Understand the homework in {course} instead of just copying the examples.",
    "Get ready for the {course} unit tests so I don't panic.",
    "Keep up in {course} — I missed two weeks at the start of the year.",
    "Pass {course}. I had to retake part of it last year.",
    "Feel confident enough in {course} to ask questions in class.",
)
TUTOR_GOALS: tuple[str, ...] = (
    "Help younger students feel less stuck in {course}.",
    "I want to be a teacher, so I'd like practice explaining {course}.",
    "{course} was hard for me at first too; I want to pass on what helped.",
    "Earn service hours and get better at explaining {course}.",
)
MENTEE_GOALS: tuple[str, ...] = (
    "Find a club or team to join.",
    "Make friends — I'm new to Riverbend this year.",
    "Learn how to keep up with homework and still have time for practice.",
    "Figure out which classes to take next year.",
    "Feel less stressed before tests.",
    "Get better at talking to my teachers when I'm behind.",
    "Get to school on time more often.",
)
MENTOR_GOALS: tuple[str, ...] = (
    "Ninth grade was rough for me; I want to help someone have an easier start.",
    "Be the older student I wish I'd had to talk to.",
    "Help a ninth grader find their people at Riverbend.",
    "Practise leadership before I go to college.",
)
STATUS_REASONS: dict[str, tuple[str, ...]] = {
    "waitlisted": (
        "No tutor free at the requested times yet.",
        "The program is full this term; first in line next term.",
        "Waiting for a guardian consent form.",
    ),
    "withdrawn": (
        "Schedule conflict with team practice.",
        "Student asked to leave the program.",
        "Moved to another school.",
        "Started a job after school.",
    ),
    "declined": (
        "We have more tutors than tutees in your subjects this term.",
        "The program is for students who have not had a mentor before.",
    ),
    "closed": (
        "Goals met: passed the unit test and feels confident.",
        "End of the course; no more help needed.",
    ),
}

MOTIVATIONS: tuple[str, ...] = (
    "I like explaining things, and I remember what it was like to be lost in class.",
    "Someone helped me when I was a freshman and I want to do the same.",
    "I want to become a teacher or a nurse, and this is good practice.",
    "I have time at lunch and I'd rather spend it helping someone.",
)
EXPERIENCES: tuple[str, ...] = (
    "I help my younger brother and sister with their homework most evenings.",
    "Camp counselor last summer.",
    "I volunteer at the public library's homework club.",
    "Captain of the JV team; I run warm-ups for the new players.",
    "",
)
PARTNER_PREFERENCES: tuple[tuple[str, float], ...] = (
    ("", 0.75),
    ("Someone who can meet at lunch.", 0.08),
    ("Someone patient — I get nervous about math.", 0.06),
    ("Someone who also plays a sport, so they understand practice schedules.", 0.06),
    ("I'd prefer online sessions if possible.", 0.05),
)
REFERRAL_NOTES: tuple[str, ...] = (
    "Failed the first two unit tests but works hard in class; would benefit from a tutor.",
    "Quiet in class and new to the school; I think a mentor would help them settle in.",
    "Missing homework since October. Parent asked about extra help.",
    "Strong student who lacks confidence; a peer might help more than I can.",
)
DECISION_MESSAGES: dict[str, str] = {
    "accept": (
        "Welcome to the program! Next we need a few screening steps and, if you are "
        "under 18, your guardian's consent. We'll be in touch soon."
    ),
    "waitlist": "Thank you for applying. We're full for now and have put you on the waitlist.",
    "decline": "Thank you for applying. We can't offer you a place this term.",
}


@dataclass(frozen=True)
class ScreeningItemSpec:
    name: str
    kind: str
    applies_to: str


SCREENING_ITEMS: dict[str, tuple[ScreeningItemSpec, ...]] = {
    "tutoring": (
        ScreeningItemSpec("Teacher recommendation", "reference", "mentor"),
        ScreeningItemSpec("Tutor interview", "interview", "mentor"),
        ScreeningItemSpec("Code of conduct signed", "code_of_conduct", "all"),
    ),
    "mentoring": (
        ScreeningItemSpec("Staff reference", "reference", "mentor"),
        ScreeningItemSpec("Interview with the coordinator", "interview", "mentor"),
        ScreeningItemSpec("Code of conduct signed", "code_of_conduct", "all"),
    ),
    "groups": (
        ScreeningItemSpec("Teacher recommendation", "reference", "mentor"),
        ScreeningItemSpec("Code of conduct signed", "code_of_conduct", "all"),
    ),
}

# Training modules (starter curriculum slugs) each program requires, by role.
REQUIRED_MODULES: dict[str, dict[str, tuple[str, ...]]] = {
    "tutoring": {
        "mentor": ("communication-and-active-listening", "confidentiality-and-its-limits"),
    },
    "mentoring": {
        "mentor": ("confidentiality-and-its-limits", "boundaries"),
        "mentee": ("mentee-orientation",),
    },
    "groups": {
        "mentor": ("communication-and-active-listening",),
    },
}

"""
Peerpath's starter curriculum, written by the Peerpath team.

Six modules for mentors and tutors (135 minutes together, above the two hours
of pre-match training the field expects) and a short orientation for mentees.
The data migration ``0002_starter_curriculum`` loads them; :func:`load_curriculum`
is idempotent by slug, so running it again updates the text in place without
touching anyone's progress.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["STARTER_CURRICULUM", "CurriculumModule", "CurriculumQuestion", "load_curriculum"]


@dataclass(frozen=True)
class CurriculumQuestion:
    prompt: str
    choices: tuple[str, ...]
    correct: int
    explanation: str


@dataclass(frozen=True)
class CurriculumModule:
    slug: str
    title: str
    summary: str
    audience: str
    minutes: int
    order: int
    content: str
    questions: tuple[CurriculumQuestion, ...]
    pass_mark: int = 80


Q = CurriculumQuestion

LISTENING = CurriculumModule(
    slug="communication-and-active-listening",
    title="Communication and active listening",
    summary="Listen so that your mentee feels heard, and ask questions that open a conversation.",
    audience="mentor",
    minutes=25,
    order=10,
    content="""
## Why listening comes first

Most people who agree to mentor want to help, and the quickest way to help seems
to be giving advice. Advice given too early rarely lands. Your mentee is more likely
to act on an idea they reached themselves, in a conversation where they felt taken
seriously. Listening is how you earn the right to make a suggestion later.

## What active listening looks like

Active listening means giving your full attention and showing that you have
understood. In practice:

- **Put distractions away.** Phone face down, notifications off, facing the person.
- **Let them finish.** Resist filling a pause. Silence often means they are thinking.
- **Reflect back.** Say in your own words what you heard: "So the test went badly,
  and what bothers you most is that you studied for it."
- **Name the feeling you notice**, gently and as a guess: "It sounds frustrating."
- **Summarise** at the end of a topic so you both agree on what was said.

## Open and closed questions

A closed question can be answered with one word ("Did you do the homework?").
An open question invites a longer answer ("What got in the way of the homework this
week?"). Use open questions to explore and closed ones to check a fact. Avoid
stacking several questions at once, and be careful with "why", which can sound
like an accusation; "what happened" or "how did it go" usually works better.

## Your body and your tone

Much of what you communicate is not in your words. Sit at the same level, keep an
open posture and match your pace to theirs. In messages, where tone is easy to
misread, keep sentences friendly and clear, and ask rather than assume when a
reply seems short.

## When you do not know what to say

You do not need a perfect answer. "I'm not sure, but let's work it out" or "Tell me
more about that" keeps the conversation going. If something is beyond what a peer
mentor should handle, that is a signal to involve your coordinator, not a failure.
""",
    questions=(
        Q(
            'Your mentee says their week was "fine, I guess". Which reply is the best example of active listening?',
            (
                '"Great, let\'s start on the worksheet."',
                "\"You said 'I guess' — it sounds like it wasn't all fine. What happened?\"",
                '"Everyone has bad weeks, don\'t worry about it."',
                '"Was it fine or not?"',
            ),
            1,
            "Reflecting back what you heard and asking an open question shows you noticed, "
            "and leaves the mentee free to say more.",
        ),
        Q(
            "Which of these is an open question?",
            (
                '"Did you finish the essay?"',
                '"Are you nervous about the exam?"',
                '"How are you feeling about the exam?"',
                '"Is math your hardest class?"',
            ),
            2,
            "An open question cannot be answered with yes or no, so it invites the mentee to explain.",
        ),
        Q(
            "Your mentee pauses for a long time before answering. What should you do?",
            (
                "Give them time; a pause often means they are thinking.",
                "Answer the question for them so they are not embarrassed.",
                "Move on to the next topic.",
                "Ask two more questions to help them along.",
            ),
            0,
            "Silence is part of a conversation. Waiting shows patience and often brings a more honest answer.",
        ),
        Q(
            "Why is it usually better to hold back advice at the start of a conversation?",
            (
                "Because mentors should never give advice.",
                "Because people act more readily on ideas they reach themselves, once they feel heard.",
                "Because advice takes too long.",
                "Because the coordinator gives all the advice.",
            ),
            1,
            "Advice is not forbidden, but it works best after listening, when it fits what the mentee actually needs.",
        ),
    ),
)

EMPATHY = CurriculumModule(
    slug="empathy",
    title="Empathy: understanding before helping",
    summary="Understand how things look from your mentee's side, without judging or fixing.",
    audience="mentor",
    minutes=20,
    order=20,
    content="""
## Empathy is not the same as sympathy

Sympathy is feeling sorry *for* someone. Empathy is trying to understand how a
situation feels *from their side*. Sympathy can put distance between you ("poor
you"); empathy closes it ("that sounds really hard — I get why you're upset").

## Three habits of an empathetic mentor

1. **Take their perspective.** Their situation may be very different from yours:
   another family setup, another first language, a job after school, caring for a
   sibling. Ask about it instead of assuming.
2. **Hold back judgement.** If your first thought is "they should just…", pause.
   There is usually a reason that you cannot see yet.
3. **Acknowledge the feeling before the problem.** "That's a lot to deal with"
   comes before "here's what you could try".

## Phrases that help and phrases that hurt

Helpful: "That makes sense." "I can see why that would bother you." "Thanks for
telling me." Less helpful: "At least…" (it shrinks the problem), "I know exactly
how you feel" (you may not), or turning the conversation to your own story for
too long. A short example from your own experience can help, as long as you hand
the conversation back quickly.

## Respecting difference

Mentees bring different cultures, beliefs, identities and abilities. Being
empathetic means being curious and respectful about all of them, using the name
and pronouns a person asks you to use, and never making a joke at the expense of
who someone is.

## Looking after yourself

Hearing about someone else's difficulties can weigh on you. That is normal. Talk
to your coordinator if something stays with you; you are not expected to carry it
alone.
""",
    questions=(
        Q(
            "What is the main difference between empathy and sympathy?",
            (
                "Empathy means agreeing with everything the other person says.",
                "Empathy is trying to understand how it feels from their side; sympathy is feeling sorry for them.",
                "There is no difference.",
                "Sympathy is for friends and empathy is for strangers.",
            ),
            1,
            "Empathy builds understanding and connection; sympathy can keep the other person at a distance.",
        ),
        Q(
            "Your mentee says they could not study because they were looking after a younger brother. Which reply is most empathetic?",
            (
                '"At least you got some time with your brother."',
                '"You should have planned better."',
                '"That\'s a lot to juggle. How often does that happen?"',
                '"I know exactly how you feel."',
            ),
            2,
            "It acknowledges the situation without judging it and asks to understand more.",
        ),
        Q(
            "A conversation leaves you worried and you keep thinking about it. What should you do?",
            (
                "Keep it to yourself; mentors should be strong.",
                "Post about it online without names.",
                "Talk to your coordinator about it.",
                "Stop meeting the mentee.",
            ),
            2,
            "Your coordinator is there to support you too, and may need to know what worried you.",
        ),
    ),
)

CONFIDENTIALITY = CurriculumModule(
    slug="confidentiality-and-its-limits",
    title="Confidentiality and its limits",
    summary="What stays between you, what never does, and what to do when a mentee tells you something worrying.",
    audience="mentor",
    minutes=25,
    order=30,
    content="""
## What confidentiality means in a peer program

Your mentee needs to trust that what they tell you will not become gossip. Keep
what they share private: do not repeat it to friends, do not post about it, and do
not discuss your mentee by name in places others can overhear.

## The limits: safety comes first

Confidentiality is not secrecy. You **must** tell an adult when what you hear
suggests that someone may be harmed, for example when a mentee:

- talks about hurting themselves or wanting to die;
- says that someone is hurting them, threatening them or touching them in a way
  that is not okay, at home, at school or online;
- says they plan to hurt someone else;
- describes something that puts them in serious danger, such as running away or
  meeting an adult they met online.

## Never promise to keep a secret

A mentee may say "promise you won't tell anyone". Do not promise. A kind, honest
answer is: "I want to help, and I'll keep what you tell me private unless I'm
worried you or someone else could get hurt. Then I'd have to tell someone who can
help, and I'd tell you first." Saying this early, ideally in your first meeting,
means it will not come as a surprise later.

## If a mentee tells you something worrying

1. **Stay calm and listen.** Let them talk. You do not need every detail.
2. **Do not investigate** or ask leading questions, and do not confront anyone
   they mention.
3. **Tell them what happens next**: that you need to pass this on to an adult
   whose job is to help.
4. **Report it the same day** to your program coordinator or to the staff member
   your program names for safeguarding. If someone is in immediate danger, get an
   adult straight away or call emergency services.
5. **Write down** what was said, in their words where you can, with the date and
   time, and give it only to the person you report to.

## What you do not have to do

You do not have to decide whether something is serious enough, solve the problem
or keep checking on it. Your job is to notice, listen and pass it on. The adults
in the program take it from there.
""",
    questions=(
        Q(
            'Your mentee says: "I\'ll tell you something, but only if you promise not to tell anyone." What do you say?',
            (
                '"I promise."',
                '"Then don\'t tell me."',
                "\"I'll keep it private unless I'm worried someone could get hurt; then I'd have to tell someone who can help.\"",
                '"I\'ll only tell my best friend."',
            ),
            2,
            "Never promise secrecy. Explain the limit honestly so your mentee can decide what to share.",
        ),
        Q(
            "Which of these must you pass on to your coordinator or safeguarding lead?",
            (
                "Your mentee finds history boring.",
                "Your mentee says an adult they met online wants to meet them alone.",
                "Your mentee had an argument with a friend about a game.",
                "Your mentee got a low grade on a quiz.",
            ),
            1,
            "Anything that suggests someone may be harmed is reported, the same day.",
        ),
        Q(
            "After a mentee tells you someone at home is hurting them, what should you NOT do?",
            (
                "Listen calmly.",
                "Tell them you need to pass this on to an adult who can help.",
                "Ask detailed questions to find out exactly what happened and who did it.",
                "Write down what they said and report it the same day.",
            ),
            2,
            "Investigating is the job of trained adults. Detailed or leading questions can upset the mentee "
            "and make it harder for others to help.",
        ),
        Q(
            "Someone is in immediate danger. What comes first?",
            (
                "Send your coordinator an e-mail and wait for a reply.",
                "Get an adult straight away or call emergency services.",
                "Wait until your next meeting to check how they are.",
                "Ask the mentee's friends what they think.",
            ),
            1,
            "Immediate danger needs immediate help; report to your coordinator as well once the person is safe.",
        ),
        Q(
            "Where is it fine to talk about your mentee's personal situation?",
            (
                "With your friends at lunch, if you don't use their name.",
                "Only with your coordinator or the program's safeguarding lead, when needed.",
                "On social media, if your account is private.",
                "With other mentors in the group chat.",
            ),
            1,
            "What your mentee shares stays private, apart from passing on concerns to the adults responsible.",
        ),
    ),
)

GOALS = CurriculumModule(
    slug="setting-shared-goals",
    title="Setting shared goals",
    summary="Agree on goals that are yours together, make them SMART, and check on them regularly.",
    audience="mentor",
    minutes=20,
    order=40,
    content="""
## Why goals matter

Meetings without a direction drift. A goal that you and your mentee agree on gives
every session a purpose and lets you both see progress, which keeps motivation up.

## Whose goal is it?

The goal should belong to your mentee. Your role is to help them put it into words
and to make it realistic. Ask: "What would you like to be different by the end of
the term?" and "Why does that matter to you?"

## Making a goal SMART

A SMART goal is:

- **Specific** — clear about what will happen ("finish the reading for English each
  week", not "do better in English");
- **Measurable** — you can tell whether it happened;
- **Achievable** — stretching but possible with the time and help available;
- **Relevant** — it matters to the mentee and fits the program;
- **Time-bound** — it has a date.

"Raise my algebra quiz scores from around 60% to 70% by the end of November, by
practising two sets of problems together each week" is SMART. "Get better at math"
is a wish.

## Steps and check-ins

Break a goal into small steps (milestones) and agree who does what before the next
meeting. Start each session by looking at the last step: what went well, what got
in the way. When something does not work, change the plan, not the person.

## Celebrating progress

Notice effort as well as results. Reaching a milestone is worth celebrating, and a
missed one is information, not failure.
""",
    questions=(
        Q(
            "Which goal is SMART?",
            (
                '"Be more organised."',
                '"Hand in every science lab report on time until the end of the term, using a weekly planner we check together."',
                '"Get better grades."',
                '"Try harder in school."',
            ),
            1,
            "It is specific, measurable, achievable, relevant and has an end date.",
        ),
        Q(
            "Who should a mentoring goal belong to?",
            (
                "The mentor.",
                "The mentee, with the mentor helping to shape it.",
                "The coordinator.",
                "The mentee's teacher.",
            ),
            1,
            "Mentees work harder for goals they chose; your job is to help make the goal clear and realistic.",
        ),
        Q(
            "Your mentee missed the step you agreed on last week. What is the best response?",
            (
                "Tell them they let you down.",
                "Drop the goal.",
                "Talk about what got in the way and adjust the plan together.",
                "Do the step for them.",
            ),
            2,
            "A missed step tells you something about the plan. Adjust it together.",
        ),
    ),
)

BOUNDARIES = CurriculumModule(
    slug="boundaries",
    title="Boundaries that keep everyone safe",
    summary="Time, contact, gifts, social media and where you meet: the lines that protect you and your mentee.",
    audience="mentor",
    minutes=25,
    order=50,
    content="""
## Why boundaries help

Boundaries are not about being cold. They make the relationship predictable and
safe, and they protect you as much as your mentee. When both of you know the
rules, you can relax and focus on the work.

## Time

Meet when and for as long as the program says. Be on time, and tell your mentee
(and your coordinator if the program asks) when you cannot make it. You are not
available around the clock, and you should not be.

## Contact

Keep contact inside the channels the program provides, such as Peerpath's
messages and the scheduled sessions. Do not share personal phone numbers,
addresses or private accounts unless your coordinator has said it is fine. If your
mentee contacts you some other way, reply through the program's channel and let
your coordinator know.

## Social media

Do not follow, friend or message your mentee on personal social media while you
are matched, and do not post photos of them or about them. What you post publicly
can be seen by them, so keep that in mind too.

## Meeting places

Meet in public or supervised places: the library, a classroom during the program
hour, a video call through the program. Never meet alone in a private home or in
a car, and do not change the meeting place without your coordinator's agreement.

## Gifts and money

Do not give or accept gifts of real value, lend or borrow money, or buy things for
your mentee. A card or a small token at the end of the program, if the program
allows it, is fine.

## Your role

You are a mentor or tutor, not a parent, a counsellor or a best friend. You will
care about your mentee, and that is good, but some problems need adults with
training. Recognising that and bringing in your coordinator is part of the job.

## When a boundary is tested

If your mentee asks for something outside these lines, say no kindly and explain
why: "I'd like to, but the program asks us to keep in touch through Peerpath." Then
tell your coordinator, so they know what happened.
""",
    questions=(
        Q(
            "Your mentee asks for your personal phone number so you can text. What do you do?",
            (
                "Give it to them; it's easier.",
                "Explain kindly that you keep in touch through the program's channels, and let your coordinator know.",
                "Give them your social media handle instead.",
                "Ignore the question.",
            ),
            1,
            "Contact stays inside the program's channels unless your coordinator has agreed otherwise.",
        ),
        Q(
            "Which is an appropriate place for a mentoring session?",
            (
                "Your mentee's home when no one else is there.",
                "Your car in the school parking lot.",
                "The school library during the program hour.",
                "A private chat on a gaming platform.",
            ),
            2,
            "Meet in public or supervised places, or in the program's own online space.",
        ),
        Q(
            "Your mentee sends you a friend request on a personal social media account. What should you do?",
            (
                "Accept it; it builds trust.",
                "Accept it but never post anything.",
                "Decline it, explain the program's rule if it comes up, and tell your coordinator.",
                "Block your mentee.",
            ),
            2,
            "Personal social media stays separate while you are matched. Declining kindly and telling "
            "your coordinator keeps everyone safe.",
        ),
        Q(
            "Your mentee wants to give you an expensive pair of headphones to say thank you. What do you do?",
            (
                "Accept, so they don't feel rejected.",
                "Thank them warmly, decline the gift and explain that the program doesn't allow valuable gifts.",
                "Accept and give something of equal value back.",
                "Accept it only at the end of the program.",
            ),
            1,
            "Gifts of value create pressure and misunderstandings. A warm thank you and a clear no is the answer.",
        ),
    ),
)

CLOSURE = CurriculumModule(
    slug="how-a-match-closes",
    title="How a match closes",
    summary="Every match ends. Plan a good goodbye, and know that an early ending is nobody's fault.",
    audience="mentor",
    minutes=20,
    order=60,
    content="""
## Every match ends

Matches end when the program finishes, when someone moves or changes schedule, or
when a pair simply does not work well together. How it ends matters: a relationship
that stops without a word can leave a mentee feeling they did something wrong.

## No-fault closure

Sometimes a match ends early. That does not mean either of you failed. Your
coordinator may end a match and find a better one for each of you, and nobody has
to be blamed. If you think a match is not working, tell your coordinator early
instead of letting meetings fade away.

## Saying goodbye well

- **Give notice.** Talk about the ending a few sessions before it happens, so it is
  not a surprise.
- **Look back together.** What has your mentee achieved? Which goals moved? Name
  specific progress.
- **Look forward.** What will your mentee keep doing on their own? Who else can
  they go to for help?
- **Say goodbye in person** (or in your last scheduled online session), not by
  simply disappearing.

## After the match

Your program will say whether and how you may stay in touch afterwards. Follow
that rule, even if you got on very well. You will likely be asked to fill in a
short exit survey; your honest answers help the program improve.

## For you

Ending can be sad, and it can also be a moment to notice what you learned. Many
mentors find that they gained as much as they gave.
""",
    questions=(
        Q(
            "Your match is ending early because your schedule changed. What is the right way to think about it?",
            (
                "It means you failed as a mentor.",
                "It is a no-fault closure; nobody needs to be blamed.",
                "Your mentee must have done something wrong.",
                "You should stop coming without saying anything.",
            ),
            1,
            "Matches end for many reasons. A no-fault closure lets both of you move on well.",
        ),
        Q(
            "When should you start talking with your mentee about the end of the match?",
            (
                "A few sessions before the last one.",
                "Never; it's less awkward that way.",
                "Only in the last five minutes of the last session.",
                "After the match has ended, by message.",
            ),
            0,
            "Giving notice lets your mentee prepare and makes the goodbye part of the relationship.",
        ),
        Q(
            "Your mentee asks to stay in touch on social media after the program. What do you do?",
            (
                "Agree; the program is over.",
                "Follow the program's rule on contact after closure, and ask your coordinator if you are unsure.",
                "Give them your phone number instead.",
                "Tell them you never want to hear from them again.",
            ),
            1,
            "Each program sets a rule for contact after a match closes. Follow it.",
        ),
    ),
)

MENTEE_ORIENTATION = CurriculumModule(
    slug="mentee-orientation",
    title="Getting the most from your mentor",
    summary="What a mentor or tutor does, what you can expect, and how to ask for help.",
    audience="mentee",
    minutes=15,
    order=100,
    content="""
## What a mentor or tutor is

Your mentor or tutor is a student who has been trained to help other students.
They can help with a subject, with getting organised, or just with settling in.
They are not a teacher and do not grade you.

## What you can expect

- Regular meetings at a time you both agreed, in a public or supervised place or
  online through the program.
- Someone who listens and takes you seriously.
- Help setting a goal that matters to you, and checking on it together.

## What your mentor can expect from you

Come to meetings, or say in advance when you cannot. Bring your questions and
your work. Be honest about what is hard; that is what the meetings are for.

## Privacy and safety

Your mentor keeps what you share private, with one exception: if they are worried
that you or someone else could get hurt, they have to tell an adult who can help.
Contact stays inside the program: no personal phone numbers or social media.

## If something is not right

If the match does not feel right, or anything makes you uncomfortable, tell your
program coordinator. Changing a match is normal and nobody gets into trouble.
""",
    questions=(
        Q(
            "Your mentor is worried that you might get hurt. What will they do?",
            (
                "Keep it secret, whatever happens.",
                "Tell an adult in the program who can help.",
                "Post about it online.",
                "Tell your classmates.",
            ),
            1,
            "Mentors keep things private except when someone's safety is at risk; then they tell an adult who can help.",
        ),
        Q(
            "You cannot make it to your next meeting. What should you do?",
            (
                "Just not turn up.",
                "Let your mentor know in advance through the program.",
                "Ask a friend to go instead.",
                "Stop going to meetings.",
            ),
            1,
            "Letting your mentor know shows respect for their time, and you can agree on another time.",
        ),
        Q(
            "The match does not feel right. What can you do?",
            (
                "Nothing; you have to stay with it.",
                "Tell your program coordinator; changing a match is normal.",
                "Stop answering your mentor's messages.",
                "Complain about your mentor to other students.",
            ),
            1,
            "Coordinators can change matches, and nobody gets into trouble for asking.",
        ),
    ),
)

STARTER_CURRICULUM: tuple[CurriculumModule, ...] = (
    LISTENING,
    EMPATHY,
    CONFIDENTIALITY,
    GOALS,
    BOUNDARIES,
    CLOSURE,
    MENTEE_ORIENTATION,
)


def load_curriculum(module_model: Any, question_model: Any) -> int:
    """
    Create or update the starter modules (matched by slug among built-in modules).

    The model classes are passed in so that the data migration can use its
    historical models. Questions are replaced by position; progress rows are
    never touched. Return the number of modules created.
    """
    created = 0
    for item in STARTER_CURRICULUM:
        module, was_created = module_model.objects.update_or_create(
            organization=None,
            slug=item.slug,
            defaults={
                "title": item.title,
                "summary": item.summary,
                "audience": item.audience,
                "content": item.content.strip() + "\n",
                "estimated_minutes": item.minutes,
                "pass_mark_percent": item.pass_mark,
                "order": item.order,
            },
        )
        created += int(was_created)
        for position, question in enumerate(item.questions, start=1):
            question_model.objects.update_or_create(
                module=module,
                order=position,
                defaults={
                    "prompt": question.prompt,
                    "choices": list(question.choices),
                    "correct_choice": question.correct,
                    "explanation": question.explanation,
                },
            )
        question_model.objects.filter(module=module, order__gt=len(item.questions)).delete()
    return created

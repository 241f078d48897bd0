"""What the demo community says: questions, answers, practices and links, in French and English."""

from __future__ import annotations

MEMBERS = """alice bob carol dave erin frank gina hugo ines jules karim lea marc nadia oscar
paula quentin rose samir tina ugo vera william xavier yasmine zoe amel bruno chloe didier
emma fatou gabriel helene ivan jade kevin louise mehdi noemie""".split()

# (text, tags): each question is asked in its own language.
QUESTIONS = [
    ("How do I keep learners engaged in a three-hour session?", ("engagement",)),
    ("Comment garder l'attention d'un groupe en fin de journée ?", ("engagement",)),
    ("Which tool do you use for live quizzes?", ("tools", "engagement")),
    ("Quel outil pour un tableau blanc collaboratif à distance ?", ("tools", "remote")),
    ("How do you give feedback on a first draft without discouraging?", ("feedback",)),
    ("Comment faire un retour sur un travail raté sans démotiver ?", ("feedback",)),
    ("Nobody turns their camera on in virtual classes: what do you do?", ("remote",)),
    ("Les participants restent muets en classe virtuelle, des idées ?", ("remote", "engagement")),
    ("How do you open a training day so that people speak up early?", ("posture",)),
    ("Comment gérer un participant qui monopolise la parole ?", ("posture",)),
    ("What is a good way to evaluate a soft-skills module?", ("assessment",)),
    ("Comment évaluer un module sans examen final ?", ("assessment",)),
    ("How long should a micro-learning video be?", ("design", "tools")),
    ("Quelle durée idéale pour une capsule vidéo ?", ("design",)),
    ("How do I adapt an exercise for a learner with dyslexia?", ("inclusion",)),
    ("Comment rendre mes supports accessibles aux malvoyants ?", ("inclusion", "design")),
    ("My session went badly yesterday: how do you bounce back?", ("failures",)),
    ("Un atelier a complètement raté, comment en tirer parti ?", ("failures", "feedback")),
    ("How do you run a retrospective with a shy group?", ("engagement", "posture")),
    ("Comment animer un brise-glace qui ne fasse pas fuir ?", ("engagement",)),
    ("Which LMS handles cohorts well?", ("tools",)),
    ("Quel outil pour suivre la progression d'une cohorte ?", ("tools", "assessment")),
    ("How do you build a blended course from an in-person one?", ("design", "remote")),
    ("Comment découper un cours présentiel en modules hybrides ?", ("design", "remote")),
]

ANSWERS = [
    "Short polls every 20 minutes keep everyone awake.",
    "Des sondages courts toutes les 20 minutes, ça marche très bien.",
    "I switch activity every quarter of an hour: explain, try, share.",
    "J'alterne apport, mise en pratique et partage tous les quarts d'heure.",
    "Give them a role: timekeeper, scribe, devil's advocate.",
    "Donnez un rôle à chacun : gardien du temps, secrétaire, avocat du diable.",
    "Wooclap or Mentimeter, both work well on phones.",
    "Nous utilisons Klaxoon, les participants adorent.",
    "Start with what went well, then one thing to try next time.",
    "Je commence toujours par ce qui fonctionne, puis une seule piste.",
    "Small breakout rooms of three: nobody can hide, nobody feels exposed.",
    "Des sous-groupes de trois : personne ne se cache, personne n'est exposé.",
    "Ask them to write first, then speak: it helps the quiet ones.",
    "Faites écrire avant de faire parler, les plus discrets osent davantage.",
    "Keep videos under six minutes, one idea each.",
    "Pas plus de six minutes par capsule, une idée par capsule.",
    "Use a readable font, left-aligned text, and no justified paragraphs.",
    "Police lisible, texte aligné à gauche, et des contrastes forts.",
    "Name what happened with the group; they usually appreciate it.",
    "J'en parle ouvertement au groupe la séance suivante, ça crée de la confiance.",
]

SHARES = [
    "I start each session with a one-minute check-in: one word each.",
    "J'ouvre chaque séance par une météo intérieure en un mot.",
    "Learners vote on the order of the afternoon's topics.",
    "Les apprenants choisissent l'ordre des thèmes de l'après-midi.",
    "I tried a silent brainstorm on sticky notes: twice as many ideas.",
    "Brainstorming silencieux sur post-it : deux fois plus d'idées.",
    "We end with a 'one thing I will do on Monday' round.",
    "On termine par « ce que je fais dès lundi », chacun son tour.",
    "Peer feedback in pairs before I give mine.",
    "Retours entre pairs en binômes avant le mien.",
    "I record a two-minute summary video after each session.",
    "Je filme un résumé de deux minutes après chaque séance.",
]

RESOURCES = [
    ("https://www.edutopia.org/article/engagement-strategies", ("engagement",), "Practical ideas"),
    ("https://www.cafepedagogique.net/2026/10/classe-virtuelle", ("remote",), "Très concret"),
    ("https://www.mindtools.com/feedback-sandwich", ("feedback",), "A classic, with limits"),
    ("https://www.w3.org/WAI/tips/designing/", ("inclusion", "design"), "Accessibility basics"),
    ("https://www.trainingindustry.com/microlearning", ("design",), ""),
    ("https://www.ludomag.com/outils-quiz", ("tools",), "Comparatif des outils de quiz"),
    ("https://hbr.org/2024/05/running-better-retrospectives", ("posture", "engagement"), ""),
    ("https://www.education.gouv.fr/evaluation-formative", ("assessment",), "Évaluation formative"),
    ("https://www.coursera.org/articles/blended-learning", ("design", "remote"), ""),
    ("https://www.thiagi.com/games", ("engagement",), "Jeux cadres de Thiagi"),
    (
        "https://www.learningscientists.org/retrieval-practice",
        ("assessment",),
        "Retrieval practice",
    ),
    ("https://www.apprendreaapprendre.com/memoire", ("design",), "La mémoire, simplement"),
]

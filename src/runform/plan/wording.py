"""The words of a plan: what each finding means, how the plan answers it, week themes,
the re-test steps and the rules stated at the top of every plan."""

from __future__ import annotations

FINDING_PLAIN: dict[str, str] = {
    "limited_extension": "your thigh does not travel far behind your body at push-off",
    "weak_drive": "your push from the hip into the ground looks weak",
    "forced_extension": "your leg gets behind you by arching the back or leaning the trunk back",
    "overstriding": "your foot lands well ahead of your body",
    "heel_recovery_low": "your heel stays low as the leg swings through",
    "heel_recovery_high": "your heel is pulled up higher than your speed needs",
    "low_cadence": "your step rate is low for your speed",
    "high_vertical_oscillation": "you bounce up and down a lot at each step",
    "trunk_lean_forward": "your trunk leans forward a lot",
    "trunk_lean_backward": "your trunk leans back",
    "stiff_landing": "your knee bends little as the foot lands (a stiff landing)",
    "asymmetry": "your left and right legs move differently",
}
FINDING_TITLES: dict[str, str] = {
    "limited_extension": "Limited thigh extension",
    "weak_drive": "Weak hip drive",
    "forced_extension": "Forced extension",
    "overstriding": "Overstriding",
    "heel_recovery_low": "Low heel recovery",
    "heel_recovery_high": "High heel recovery",
    "low_cadence": "Low cadence",
    "high_vertical_oscillation": "High vertical bounce",
    "trunk_lean_forward": "Forward trunk lean",
    "trunk_lean_backward": "Backward trunk lean",
    "stiff_landing": "Stiff landing",
    "asymmetry": "Left-right asymmetry",
}
#: Why the plan's exercises work on each finding: said once, at the head of its group.
FINDING_APPROACH: dict[str, str] = {
    "limited_extension": "Glute and hamstring strength and a supple front of the hip make "
    "extension available; the drills let the leg finish behind you through the push, never "
    "by reaching back for it.",
    "weak_drive": "Hip-extensor strength and drills that push the ground down and back under "
    "the hips build the drive. It matters more the faster you run: the hip's share of the "
    "work grows with speed (Schache 2015; Dorn 2012).",
    "forced_extension": "Core work keeps the pelvis and lower back still while the leg moves, "
    "and the hip-flexor stretches are done with a flat back, so extension comes from the "
    "hip rather than from arching (Schache 2000).",
    "overstriding": "A slightly quicker step brings the landing closer under the hip: a "
    "5–10 % higher step rate lowered step length, braking and knee load (Heiderscheit "
    "2011). The drills teach landing under the body.",
    "heel_recovery_low": "The heel rises by itself when the knee relaxes after push-off; the "
    "hamstrings are quiet then (Schache 2013), so the drills teach a loose fold, not a pull.",
    "heel_recovery_high": "A relaxed lower leg and drills that bring the foot forward under "
    "the hip save the effort of pulling the heel up.",
    "low_cadence": "Quicker, shorter steps at the same speed: a 5–10 % higher step rate "
    "lowered bounce, braking and knee load (Heiderscheit 2011).",
    "high_vertical_oscillation": "A slightly higher step rate reduces bounce by itself "
    "(Heiderscheit 2011); calf and hip strength help direct the push forward, not up.",
    "trunk_lean_forward": "Trunk strength and tall-posture drills help you run tall and lean "
    "from the ankles rather than bend at the waist.",
    "trunk_lean_backward": "A slight lean from the ankles with a steady trunk puts the feet "
    "under the body instead of in front of it.",
    "stiff_landing": "Slow lowering strength for the thigh and calf and soft-landing drills "
    "teach the knee to give on landing (runners bend it about 46° in stance, Heiderscheit "
    "2011).",
    "asymmetry": "Single-leg work trains each side on its own, so the weaker side can catch up.",
}
UPKEEP_GROUP = "upkeep"
UPKEEP_TITLE = "General upkeep"
UPKEEP_REASON = (
    "Balanced strength, mobility and drills for the rest of your running, so every session "
    "covers each phase."
)
MAINTENANCE_REASON = (
    "Nothing in your analysis needs specific work: these keep you strong, mobile and well-drilled."
)
WEEK_THEMES: dict[int, tuple[str, str]] = {
    1: ("Learn", "Low doses: learn each movement and its cues."),
    2: ("Build", "A little more volume; keep the technique."),
    3: ("Build", "More repetitions or distance, and an extra set where the range allows."),
    4: (
        "Consolidate",
        "Lighter week: fewer sets and low doses so the body absorbs the work. Focus on quality.",
    ),
    5: ("Progress", "Back to building; harder variants replace easier ones where they fit."),
    6: ("Peak and re-test", "Top doses, then the re-test: film yourself again and compare."),
}
RETEST_STEPS: tuple[str, ...] = (
    "Warm up with about 10 minutes of easy running, then do the warm-up exercises listed.",
    "Set up the camera exactly as for your first video, with the same orientation and frame "
    "rate (a re-test filmed differently compares less well): side view, square to your "
    "running line, at hip height, 3–5 m away, whole body in the frame from head to feet.",
    "Use the same shoes, surface and pace as the first video; film 20–30 seconds on a "
    "treadmill, or several passes of at least 6–8 steps outdoors.",
    "Run runform analyze on the new video, then compare the two analyses with "
    "runform compare BEFORE AFTER --out DIR (BEFORE: your first analysis, AFTER: the new "
    "one); this week's lesson explains how to read the changes.",
)
SAFETY_NOTE = (
    "Stop any exercise that causes sharp or increasing pain, and see a physiotherapist or "
    "doctor if pain lasts; mild muscle soreness a day or two after new exercises is normal."
)
RULES: tuple[str, ...] = (
    "Findings are ranked by severity × confidence; each gets its best-matching exercise first.",
    "Every session runs activation → strength → drills → stretch and fits your minutes at "
    "its heaviest week.",
    "Doses rise through weeks 1–3, drop in the lighter week 4, and rise again to the top of "
    "each range in week 6; harder variants can start in week 5.",
    "Exercises needing equipment you do not have, loading a body part you spare, or above "
    "your level are swapped for an easier or home version, or left out.",
    "The last session of week 6 is a re-test: film yourself the same way and compare.",
)

"""Visual outputs of a video analysis: the annotated slow-motion video and key-frame stills.

- :func:`runform.render.annotate.write_annotated_video` — ``annotated.mp4`` (H.264,
  yuv420p): skeleton, live thigh/knee/trunk angles, contact and toe-off markers, step
  counter, real time, slowed down (see ``docs/render.md`` for the slow-motion rule).
- :func:`runform.render.stills.write_key_frames` — ``01-contact-left.jpg`` ... for initial
  contact, mid-stance, toe-off, peak thigh extension and peak swing knee flexion of a
  representative stride per side, each with its angle drawn (names sort in gait order,
  :mod:`runform.keyframes`), the frames chosen by :mod:`runform.render.key_moments`.
- :func:`runform.render.stills.write_video_and_key_frames` — both in one decoding pass.
- The drawing they share: :mod:`runform.render.surface` (the BGR or YUV canvas, colours,
  sizes), :mod:`runform.render.lettering` (text, tables, banners) and
  :mod:`runform.render.draw` (skeleton, angle arcs, label placement, event markers).
"""

"""The desktop calibration window, run as its own process by `agent doctor --env desktop`.

    python -m anyres_agent.agent.doctor.desktop_window '[{"fx": 0.1, "fy": 0.1, "rgb": [255, 0, 0]}, ...]'

A borderless Tk window over the whole X screen draws each target as a 10-pixel square of its own
colour centred on a whole pixel, prints one JSON line with the targets' centres in root-window
coordinates once it is on screen, then one JSON line per mouse press ({"x": .., "y": ..}, root
coordinates: what the input API aimed at).
"""

from __future__ import annotations

import json
import sys


def main(argv: list[str]) -> int:
    import tkinter as tk

    specs = json.loads(argv[1])
    root = tk.Tk()
    width, height = root.winfo_screenwidth(), root.winfo_screenheight()
    root.overrideredirect(True)  # no title bar: the window's origin is the screen's
    root.geometry(f"{width}x{height}+0+0")
    canvas = tk.Canvas(root, width=width, height=height, background="#ffffff", highlightthickness=0)
    canvas.pack()
    centres = []
    for spec in specs:
        x, y = round(spec["fx"] * width), round(spec["fy"] * height)
        colour = "#{:02x}{:02x}{:02x}".format(*spec["rgb"])
        canvas.create_rectangle(x - 5, y - 5, x + 5, y + 5, fill=colour, outline=colour, width=0)
        centres.append((x, y))

    def announce() -> None:
        root.update_idletasks()
        left, top = root.winfo_rootx(), root.winfo_rooty()
        print(json.dumps({"targets": [{"x": left + x, "y": top + y} for x, y in centres]}), flush=True)

    def pressed(event: tk.Event) -> None:
        print(json.dumps({"x": event.x_root, "y": event.y_root}), flush=True)

    canvas.bind("<ButtonPress>", pressed)
    root.after(300, announce)
    root.mainloop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

from borderlink.cli import app

app(prog_name="borderlink")

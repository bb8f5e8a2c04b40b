"""The what-if workbench: a local Streamlit app over the model (``sharedhr app``). A thin layer like
``model.commands``: ``actions`` turns what a user picks into ``sharedhr`` command lines and runs them with the CLI's
own functions; ``state`` keeps each browser session's draft scenario and results apart; ``main.py`` and ``pages/``
are the Streamlit scripts. See docs/app.md."""

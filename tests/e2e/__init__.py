# The password of every user the browser tests sign in with.
PASSWORD = "correct horse battery"

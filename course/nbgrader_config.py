"""nbgrader configuration of the lossbook course kit (run nbgrader from this folder: course/).

Layout (nbgrader's defaults): source/<assignment>/<assignment>.ipynb are the instructor versions
with solutions and hidden tests (committed); `nbgrader generate_assignment <assignment>` writes the
student versions to release/; submissions go to submitted/<student>/<assignment>/, autograded
copies to autograded/, feedback to feedback/, scores to gradebook.db. Everything except source/ and
this file is generated and ignored by git.
"""

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

c.CourseDirectory.course_id = "lossbook"

# What a student sees in place of a solution region.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# The autograder runs each submitted notebook top to bottom in one fresh kernel (a new kernel per
# notebook, not per cell). The timeout is per cell: the slowest task (training a small network or
# an active-learning loop) takes a few seconds, so 120 s leaves room for slow machines.
c.Execute.timeout = 120
# On a busy machine (a JupyterHub shared by a whole class) a kernel can take long to start; wait for
# it rather than record an error, and retry a notebook once if its kernel stops responding.
c.Execute.startup_timeout = 180
c.Execute.execute_retries = 1

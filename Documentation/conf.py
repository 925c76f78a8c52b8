# SPDX-License-Identifier: GPL-2.0
#
# Sphinx configuration for the vmcore_filter documentation:
#   make docs    (sphinx-build -W -b html Documentation build/docs)
# No extensions: the build needs only Debian's python3-sphinx, offline.

project = 'vmcore_filter'
author = 'vmcore_filter developers'

root_doc = 'index'
master_doc = 'index'		# the name before Sphinx 4
source_suffix = '.rst'
exclude_patterns = ['_build', 'build']
extensions = []

# Literal blocks are shell commands, C and console output: no highlighting
# guesses, and option names such as --split stay two dashes.
highlight_language = 'none'
smartquotes = False

html_theme = 'alabaster'
html_title = 'vmcore_filter documentation'
html_show_sourcelink = False

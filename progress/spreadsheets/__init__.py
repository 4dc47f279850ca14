"""Progress as spreadsheets: the four CSV files of docs/progress-csv.md (a public contract).

- `contract`: each kind of file's columns, one definition each, and which columns hold
  numbers, dates or text;
- `values`: reading one cell (dates, numbers through progress.numbers, text);
- `safe`: the one CSV writer of the portal (every CSV it writes), spreadsheet-safe;
- `export`: the rows of each kind of file, from a plan's published data;
- `importer`: reading a file back (`import_csv`), checked whole before anything is written.
"""

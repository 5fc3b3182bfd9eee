/* CSV: reading named columns, choosing the target, errors with file:line:column,
 * and writing back. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"

static pr_table *read_ok(const char *text, const pr_csv_options *opt) {
    pr_table *t = NULL;
    pr_status st = pr_csv_read_buffer(text, strlen(text), "t.csv", opt, &t);
    cr_assert_eq(st, PR_OK, "csv: %s", pr_last_error());
    return t;
}

static void read_fails(const char *text, pr_status expected, const char *fragment) {
    pr_table *t = NULL;
    assert_fails(pr_csv_read_buffer(text, strlen(text), "t.csv", NULL, &t), expected, fragment);
    cr_assert_null(t);
}

Test(csv, header_names_and_values) {
    pr_table *t = read_ok("x1,x2,label\n1,2.5,0\n-3,4e-1,1\n", NULL);
    cr_assert_eq(pr_table_rows(t), 2);
    cr_assert_eq(pr_table_cols(t), 3);
    cr_assert_str_eq(pr_table_column_name(t, 2), "label");
    cr_assert_null(pr_table_column_name(t, 3));
    assert_values_close(pr_table_values(t), (double[]){1, 2.5, 0, -3, 0.4, 1}, 6, 0, 0, "values");
    pr_table_free(t);
}

Test(csv, target_by_name_or_last) {
    pr_table *t = read_ok("a,target,b\n1,10,2\n3,30,4\n", NULL);
    pr_tensor *X, *y, *X2, *y2;
    assert_ok(pr_table_split(t, "target", &X, &y));
    assert_values_close(X, (double[]){1, 2, 3, 4}, 4, 0, 0, "features");
    assert_values_close(y, (double[]){10, 30}, 2, 0, 0, "target");
    assert_ok(pr_table_split(t, NULL, &X2, &y2));
    assert_values_close(y2, (double[]){2, 4}, 2, 0, 0, "default target is the last column");
    assert_fails(pr_table_split(t, "price", &X, &y), PR_ERR_NOT_FOUND, "no column named 'price'; the columns are 'a', 'target', 'b'");
    pr_tensor_free(X);
    pr_tensor_free(y);
    pr_tensor_free(X2);
    pr_tensor_free(y2);
    pr_table_free(t);
}

Test(csv, quoting_crlf_bom_blank_lines_and_spaces) {
    pr_table *t = read_ok("\xEF\xBB\xBF\"first, name\",\"say \"\"hi\"\"\"\r\n\r\n 1 , 2 \r\n\n3,\"4\"\r\n", NULL);
    cr_assert_str_eq(pr_table_column_name(t, 0), "first, name");
    cr_assert_str_eq(pr_table_column_name(t, 1), "say \"hi\"");
    assert_values_close(pr_table_values(t), (double[]){1, 2, 3, 4}, 4, 0, 0, "values");
    pr_table_free(t);
}

Test(csv, no_header_and_other_delimiters) {
    pr_csv_options opt = {.no_header = 1, .delimiter = ';'};
    pr_table *t = read_ok("1;2\n3;4\n", &opt);
    cr_assert_eq(pr_table_rows(t), 2);
    cr_assert_str_eq(pr_table_column_name(t, 1), "col2");
    pr_table_free(t);
}

Test(csv, nonfinite_only_when_allowed) {
    read_fails("a,b\n1,nan\n", PR_ERR_FORMAT, "t.csv:2: column 2 ('b'): non-finite value");
    pr_csv_options opt = PR_CSV_DEFAULTS;
    opt.allow_nonfinite = 1;
    pr_table *t = read_ok("a,b\nNaN,-inf\n", &opt);
    cr_assert(isnan(pr_tensor_get(pr_table_values(t), 0)));
    cr_assert(isinf(pr_tensor_get(pr_table_values(t), 1)) && pr_tensor_get(pr_table_values(t), 1) < 0);
    pr_table_free(t);
}

Test(csv, errors_name_file_line_and_column) {
    read_fails("", PR_ERR_FORMAT, "t.csv: file is empty");
    read_fails("\n  \n", PR_ERR_FORMAT, "file is empty");
    read_fails("a,b\n", PR_ERR_FORMAT, "header but no data rows");
    read_fails("a,b\n1,2\n3\n", PR_ERR_FORMAT, "t.csv:3: row has 1 field, the header has 2 (ragged row)");
    read_fails("a,b\n1,2,3\n", PR_ERR_FORMAT, "t.csv:2: row has more than the 2 fields");
    read_fails("a,b\n1,2\n3,abc\n", PR_ERR_FORMAT, "t.csv:3: column 2 ('b'): not a number \"abc\"");
    read_fails("a,b\n1,\n", PR_ERR_FORMAT, "t.csv:2: column 2 ('b'): empty field");
    read_fails("a,b\n0x10,1\n", PR_ERR_FORMAT, "not a number \"0x10\"");
    read_fails("a,b\n1e999,1\n", PR_ERR_FORMAT, "number out of range");
    read_fails("a,a\n1,2\n", PR_ERR_FORMAT, "duplicate column name 'a'");
    read_fails(",b\n1,2\n", PR_ERR_FORMAT, "column 1 has an empty name");
    read_fails("a,b\n\"1,2\n", PR_ERR_FORMAT, "unterminated quoted field");
    read_fails("a,b\n1\"2,3\n", PR_ERR_FORMAT, "stray quote");
    read_fails("a,b\n\"1\"x,3\n", PR_ERR_FORMAT, "after a closing quote");
}

Test(csv, nul_bytes_are_refused) {
    pr_table *t = NULL;
    assert_fails(pr_csv_read_buffer("a,b\n1,\0\n", 8, "bin.csv", NULL, &t), PR_ERR_FORMAT, "NUL byte");
}

Test(csv, limits_apply) {
    pr_limits lim = PR_LIMITS_DEFAULTS;
    lim.max_elements = 3;
    pr_csv_options opt = PR_CSV_DEFAULTS;
    opt.limits = &lim;
    pr_table *t = NULL;
    const char *text = "a,b\n1,2\n3,4\n";
    assert_fails(pr_csv_read_buffer(text, strlen(text), "big.csv", &opt, &t), PR_ERR_LIMIT, "limit of 3 values");
    pr_limits lim2 = PR_LIMITS_DEFAULTS;
    lim2.max_columns = 2;
    opt.limits = &lim2;
    text = "a,b,c\n1,2,3\n";
    assert_fails(pr_csv_read_buffer(text, strlen(text), "wide.csv", &opt, &t), PR_ERR_LIMIT, "more than 2 columns");
    pr_limits lim3 = PR_LIMITS_DEFAULTS;
    lim3.max_line_bytes = 8;
    opt.limits = &lim3;
    text = "a,b\n1.000000000,2\n";
    assert_fails(pr_csv_read_buffer(text, strlen(text), "long.csv", &opt, &t), PR_ERR_LIMIT, "line longer");
}

Test(csv, missing_file) {
    pr_table *t = NULL;
    assert_fails(pr_csv_read("/nonexistent/x.csv", NULL, &t), PR_ERR_IO, "/nonexistent/x.csv: cannot open");
}

Test(csv, write_then_read_round_trips_exactly) {
    char path[] = "/tmp/primer-csv-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    pr_tensor *m = T64(PR_SHAPE(2, 3), 0.1, -2.5e-300, 1.0 / 3, 1e21, 7, -0.0);
    assert_ok(pr_csv_write(path, m, (const char *[]){"a", "b,c", "d"}, NULL));
    pr_table *t;
    assert_ok(pr_csv_read(path, NULL, &t));
    cr_assert_str_eq(pr_table_column_name(t, 1), "b,c");
    for (int i = 0; i < 6; i++) cr_assert_eq(pr_tensor_get(pr_table_values(t), i), pr_tensor_get(m, i), "value %d", i);
    pr_table_free(t);
    /* the shortest digits: 0.1 is written as "0.1" */
    FILE *f = fopen(path, "r");
    char line[256];
    cr_assert_not_null(fgets(line, sizeof line, f));
    cr_assert_not_null(fgets(line, sizeof line, f));
    fclose(f);
    cr_assert_str_eq(line, "0.1,-2.5e-300,0.3333333333333333\n"); /* Python repr() digits */
    unlink(path);
    pr_tensor_free(m);
}

Test(csv, failed_write_keeps_the_old_file) {
    pr_tensor *m = T64(PR_SHAPE(1), 1);
    assert_fails(pr_csv_write("/nonexistent-dir/out.csv", m, NULL, NULL), PR_ERR_IO, "cannot create");
    pr_tensor_free(m);
}

/* options->text and ->missing: string columns become the indices of their sorted
 * strings, pandas' missing spellings become NaN, counted with their first row. */
Test(csv, text_columns_and_missing_values) {
    pr_csv_options opt = PR_CSV_DEFAULTS;
    opt.text = 1;
    opt.missing = 1;
    pr_table *t = read_ok("size,colour,species\n1.5,red,virginica\n,blue,setosa\n2,NA,setosa\n3,red,\"versi,color\"\n"
                          "NaN,2,setosa\n",
                          &opt);
    cr_assert_eq(pr_table_rows(t), 5);
    const char *const *levels;
    cr_assert_eq(pr_table_levels(t, 0, &levels), 0, "a numeric column has no strings");
    cr_assert_null(levels);
    /* "2" in a text column is one of its strings; byte order puts digits first */
    cr_assert_eq(pr_table_levels(t, 1, &levels), 3);
    cr_assert_str_eq(levels[0], "2");
    cr_assert_str_eq(levels[1], "blue");
    cr_assert_str_eq(levels[2], "red");
    cr_assert_eq(pr_table_levels(t, 2, &levels), 3);
    cr_assert_str_eq(levels[0], "setosa");
    cr_assert_str_eq(levels[2], "virginica");
    int64_t first;
    cr_assert_eq(pr_table_missing(t, 0, &first), 2);
    cr_assert_eq(first, 1);
    cr_assert_eq(pr_table_missing(t, 1, &first), 1);
    cr_assert_eq(first, 2);
    cr_assert_eq(pr_table_missing(t, 2, &first), 0);
    cr_assert_eq(first, -1);
    const double *v = pr_tensor_f64(pr_table_values(t));
    double want[] = {1.5, 2, 2, NAN, 1, 0, 2, NAN, 0, 3, 2, 1, NAN, 0, 0};
    for (int i = 0; i < 15; i++) {
        if (isnan(want[i])) cr_assert(isnan(v[i]), "value %d is missing", i);
        else cr_assert_eq(v[i], want[i], "value %d: %g, want %g", i, v[i], want[i]);
    }
    pr_table_free(t);
    /* without the options the same file is refused at its first string, as before */
    read_fails("size,colour\n1.5,red\n", PR_ERR_FORMAT, "t.csv:2: column 2 ('colour'): not a number \"red\"");
    /* only text: an empty field is still an error, not a string */
    pr_csv_options text_only = PR_CSV_DEFAULTS;
    text_only.text = 1;
    pr_table *u = NULL;
    assert_fails(pr_csv_read_buffer("a,b\n1,x\n,y\n", 11, "t.csv", &text_only, &u), PR_ERR_FORMAT,
                 "t.csv:3: column 1 ('a'): empty field");
}

/* Names and text end up in model metadata, which must be UTF-8: a Latin-1 file is
 * refused when read, naming the line and the byte, instead of training and then
 * failing to save. UTF-8 text (two-, three- and four-byte sequences) reads. */
Test(csv, text_that_is_not_utf8_is_refused_naming_the_line) {
    pr_table *t = NULL;
    const char *latin1_text = "name,y\nbar,1\ncaf\xe9,2\n";
    assert_fails(pr_csv_read_buffer(latin1_text, strlen(latin1_text), "shop.csv", NULL, &t), PR_ERR_FORMAT,
                 "shop.csv: line 3 is not UTF-8 text (byte 0xe9, byte 4 of the line)");
    const char *latin1_name = "pr\xeas,y\n1,2\n";
    assert_fails(pr_csv_read_buffer(latin1_name, strlen(latin1_name), "x.csv", NULL, &t), PR_ERR_FORMAT,
                 "line 1 is not UTF-8 text (byte 0xea, byte 3 of the line)");
    const char *cut = "name,y\ncaf\xc3"; /* a sequence cut off by the end of the file */
    assert_fails(pr_csv_read_buffer(cut, strlen(cut), "x.csv", NULL, &t), PR_ERR_FORMAT, "line 2 is not UTF-8");
    const char *utf8 = "\xef\xbb\xbfna\xc3\xafve,\xe2\x82\xac,y\ncaf\xc3\xa9,\xf0\x9f\x98\x80,1\nbar,x,2\n";
    pr_csv_options o = PR_CSV_DEFAULTS;
    o.text = 1;
    assert_ok(pr_csv_read_buffer(utf8, strlen(utf8), "ok.csv", &o, &t));
    cr_assert_str_eq(pr_table_column_name(t, 0), "na\xc3\xafve");
    pr_table_free(t);
}

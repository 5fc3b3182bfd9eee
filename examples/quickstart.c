/* The README's quick-start: solve a linear system and print the answer.
 * Build against an installed primer with
 *     cc quickstart.c $(pkg-config --cflags --libs primer)            */
#include <primer.h>
#include <stdio.h>

int main(void) {
    pr_tensor *A, *b, *x;
    pr_tensor_from_array(&A, PR_F64, PR_SHAPE(2, 2), (double[]){2, 1, 1, 3});
    pr_tensor_from_array(&b, PR_F64, PR_SHAPE(2), (double[]){5, 7});
    if (pr_solve(A, b, &x) != PR_OK) {
        fprintf(stderr, "solve failed: %s\n", pr_last_error());
        return 1;
    }
    printf("x = ");
    pr_tensor_fprint(stdout, x); /* x = [1.6 1.8] */
    printf("\n");
    pr_tensor_free(A);
    pr_tensor_free(b);
    pr_tensor_free(x);
    return 0;
}

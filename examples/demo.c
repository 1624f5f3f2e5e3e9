/* demo: builds a linked list of the first five squares and sums it (1 + 4 + 9 + 16 + 25 = 55).
 * The program the README's demo (scripts/demo.sh) debugs: break in sum_list, look at the stack, the registers,
 * the stack memory and a global string, then return to main with the sum in rax. */
#include <stdio.h>
#include <stdlib.h>

struct node {
    long value;
    struct node *next;
};

char banner[] = "rdb demo: the sum of the first five squares";
long last_sum;

struct node *push_front(struct node *head, long value)
{
    struct node *n = malloc(sizeof *n);
    if (!n)
        abort();
    n->value = value;
    n->next = head;
    return n;
}

long sum_list(const struct node *head)
{
    long sum = 0;
    for (const struct node *n = head; n; n = n->next)
        sum += n->value;
    return sum;
}

void free_list(struct node *head)
{
    while (head) {
        struct node *next = head->next;
        free(head);
        head = next;
    }
}

int main(void)
{
    struct node *list = NULL;
    for (long i = 1; i <= 5; i++)
        list = push_front(list, i * i);
    last_sum = sum_list(list);
    printf("%s: %ld\n", banner, last_sum);
    free_list(list);
    return 0;
}

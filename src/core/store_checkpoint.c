/*  store_checkpoint.c: WAL checkpoints off the loop thread. A checkpoint copies the log into
 *  the database and fsyncs both (the log first: it also makes every relaxed commit in it
 *  durable); on the loop it sat in front of the next fire's request (2-3 ms, bench/notes.md
 *  3b). Here a thread with its own connection runs SQLite's PASSIVE checkpoint when the loop's
 *  commit hook says the log passed the threshold: PASSIVE never takes the writer's lock, so the
 *  loop's commits (PENDING included) go on while it runs. SQLite restarts the log (back to its
 *  first page) only once all of it is copied while no one writes: when the loop is quiet for a
 *  pass, that happens by itself; under a sustained fire load the thread never catches up, so
 *  once the log reaches STORE_CKPT_FINISH_PAGES the loop copies the rest itself (what the
 *  thread has not copied yet: at most its last STORE_CKPT_PAGES), in a commit no frame waits
 *  for. What is journaled and when a commit is durable do not change: a checkpoint only copies
 *  committed frames, after fsyncing them. */
#include "core/store_internal.h"

#include <stdio.h>
#include <stdlib.h>

static void *s_checkpointer(void *arg)
{
    bitten_store_t *self = arg;
    pthread_mutex_lock(&self->ckpt_mu);
    for (;;) {
        while (!self->ckpt_due && !self->ckpt_stop)
            pthread_cond_wait(&self->ckpt_cv, &self->ckpt_mu);
        if (self->ckpt_stop)
            break;
        self->ckpt_due = false;
        self->ckpt_busy = true;
        pthread_mutex_unlock(&self->ckpt_mu);
        int rc =
            sqlite3_wal_checkpoint_v2(self->ckpt_db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        pthread_mutex_lock(&self->ckpt_mu);
        self->ckpt_busy = false;
        if (rc == SQLITE_OK)
            self->checkpoints++;
        pthread_cond_broadcast(&self->ckpt_cv);
    }
    pthread_mutex_unlock(&self->ckpt_mu);
    return NULL;
}

int store_checkpointer_start(bitten_store_t *self, const char *path)
{
    if (sqlite3_open_v2(path, &self->ckpt_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        sqlite3_close(self->ckpt_db);
        self->ckpt_db = NULL;
        return -1;
    }
    //  No automatic checkpoint of its own, and a checkpoint's fsyncs as on the loop's connection.
    sqlite3_wal_autocheckpoint(self->ckpt_db, 0);
    sqlite3_exec(self->ckpt_db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
    pthread_mutex_init(&self->ckpt_mu, NULL);
    pthread_cond_init(&self->ckpt_cv, NULL);
    if (pthread_create(&self->ckpt_thread, NULL, s_checkpointer, self) != 0) {
        pthread_cond_destroy(&self->ckpt_cv);
        pthread_mutex_destroy(&self->ckpt_mu);
        sqlite3_close(self->ckpt_db);
        self->ckpt_db = NULL;
        return -1;
    }
    self->ckpt_running = true;
    return 0;
}

store_ckpt_step_t store_checkpointer_step(bitten_store_t *self, int pages, bool before_send)
{
    if (!self->ckpt_running)
        return before_send ? STORE_CKPT_NOTHING : STORE_CKPT_ON_LOOP;
    store_ckpt_step_t step = STORE_CKPT_NOTHING;
    pthread_mutex_lock(&self->ckpt_mu);
    if (!before_send && pages >= STORE_CKPT_FINISH_PAGES && !self->ckpt_busy && !self->ckpt_due) {
        step = STORE_CKPT_FINISH; /* the log restarts at the next write */
        self->ckpt_kick_pages = 0;
    } else if (pages >= self->ckpt_kick_pages + STORE_CKPT_PAGES) {
        self->ckpt_kick_pages = pages; /* one pass per STORE_CKPT_PAGES new pages */
        self->ckpt_due = true;
        pthread_cond_signal(&self->ckpt_cv);
    }
    pthread_mutex_unlock(&self->ckpt_mu);
    return step;
}

void store_checkpointer_stop(bitten_store_t *self)
{
    if (!self->ckpt_running)
        return;
    pthread_mutex_lock(&self->ckpt_mu);
    self->ckpt_stop = true;
    pthread_cond_signal(&self->ckpt_cv);
    pthread_mutex_unlock(&self->ckpt_mu);
    pthread_join(self->ckpt_thread, NULL);
    pthread_cond_destroy(&self->ckpt_cv);
    pthread_mutex_destroy(&self->ckpt_mu);
    sqlite3_close(self->ckpt_db);
    self->ckpt_db = NULL;
    self->ckpt_running = false;
}

uint64_t bitten_store_checkpoint_wait(bitten_store_t *self)
{
    if (!self || !self->ckpt_running)
        return 0;
    pthread_mutex_lock(&self->ckpt_mu);
    while (self->ckpt_due || self->ckpt_busy)
        pthread_cond_wait(&self->ckpt_cv, &self->ckpt_mu);
    uint64_t n = self->checkpoints;
    pthread_mutex_unlock(&self->ckpt_mu);
    return n;
}

<?php
/**
 * The plugin's own table: every capture is stored here before anything is sent.
 *
 * @package FormBridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Queue rows: one per captured submission, keyed by a UUID that is also its Idempotency-Key.
 */
class Form_Bridge_Queue {

	const PENDING = 'pending';
	const SENT    = 'sent';
	const FAILED  = 'failed';

	const DB_VERSION_OPTION = 'form_bridge_db_version';
	/** 1: release 1.0.0. 2: the submitter's e-mail in its own column, for privacy requests. */
	const DB_VERSION = '2';

	/** Sent rows are kept this long (for the admin page), then removed, so the table stays small. */
	const KEEP_SENT_SECONDS = 7 * DAY_IN_SECONDS;

	/** Failed rows wait this long for a "Retry now" or "Discard", then they are removed. */
	const KEEP_FAILED_SECONDS = 30 * DAY_IN_SECONDS;

	/**
	 * The table name with the site's prefix.
	 */
	public static function table(): string {
		global $wpdb;
		return $wpdb->prefix . 'form_bridge_queue';
	}

	/**
	 * Creates or updates the table (dbDelta keeps it in step with this definition).
	 */
	public static function install(): void {
		global $wpdb;
		require_once ABSPATH . 'wp-admin/includes/upgrade.php';
		$table   = self::table();
		$charset = $wpdb->get_charset_collate();
		dbDelta(
			"CREATE TABLE {$table} (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  uuid char(36) NOT NULL,
  form_id varchar(100) NOT NULL,
  source varchar(40) NOT NULL DEFAULT '',
  payload longtext NOT NULL,
  files longtext NULL,
  status varchar(10) NOT NULL DEFAULT 'pending',
  attempts int(10) unsigned NOT NULL DEFAULT 0,
  next_attempt_at datetime NOT NULL,
  locked_until datetime NULL,
  last_status smallint(5) unsigned NULL,
  last_error text NULL,
  remote_id varchar(64) NULL,
  email varchar(190) NOT NULL DEFAULT '',
  created_at datetime NOT NULL,
  updated_at datetime NOT NULL,
  PRIMARY KEY  (id),
  UNIQUE KEY uuid (uuid),
  KEY status_due (status,next_attempt_at),
  KEY email (email)
) {$charset};"
		);
		$from = (string) get_option( self::DB_VERSION_OPTION, '' );
		if ( '' !== $from && version_compare( $from, '2', '<' ) ) {
			self::fill_emails();
		}
		update_option( self::DB_VERSION_OPTION, self::DB_VERSION, true ); // Autoloaded: read on every request.
	}

	/**
	 * Rows queued before the e-mail column existed get it from their payload.
	 */
	private static function fill_emails(): void {
		global $wpdb;
		$last = 0;
		do {
			$rows = $wpdb->get_results( $wpdb->prepare( 'SELECT id, payload FROM ' . self::table() . " WHERE id > %d AND email = '' ORDER BY id LIMIT 200", $last ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared
			foreach ( $rows as $row ) {
				$last    = (int) $row['id'];
				$payload = json_decode( (string) $row['payload'], true );
				$email   = self::email_in( is_array( $payload ) ? (array) ( $payload['fields'] ?? array() ) : array() );
				if ( '' !== $email ) {
					$wpdb->update( self::table(), array( 'email' => $email ), array( 'id' => $last ) );
				}
			}
		} while ( count( $rows ) === 200 );
	}

	/**
	 * The first value of a submission's fields that is an e-mail address ('' when none), lower case.
	 *
	 * @param array $fields Cleaned fields.
	 */
	public static function email_in( array $fields ): string {
		foreach ( $fields as $value ) {
			foreach ( (array) $value as $item ) {
				$item = trim( (string) $item );
				if ( strlen( $item ) <= 190 && is_email( $item ) ) {
					return strtolower( $item );
				}
			}
		}
		return '';
	}

	/**
	 * Rows captured from an e-mail address (privacy export and erasure), oldest first.
	 *
	 * @param string $email  Address.
	 * @param int    $limit  At most this many.
	 * @param int    $offset Skip this many.
	 */
	public static function for_email( string $email, int $limit, int $offset = 0 ): array {
		global $wpdb;
		return $wpdb->get_results(
			$wpdb->prepare( 'SELECT * FROM ' . self::table() . ' WHERE email = %s ORDER BY id LIMIT %d OFFSET %d', strtolower( trim( $email ) ), $limit, $offset ), // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared
			ARRAY_A
		);
	}

	/**
	 * Unsent rows and the age of the oldest pending one, for Site Health and the admin notice.
	 *
	 * @return array pending, failed, oldest_pending (seconds, 0 when none), failing_since (seconds
	 *               since the oldest row that was tried and is not sent yet was captured, 0 when none).
	 */
	public static function backlog(): array {
		global $wpdb;
		$table  = self::table();
		$counts = self::counts();
		$now    = self::at( time() );
		$oldest = $wpdb->get_var( $wpdb->prepare( "SELECT TIMESTAMPDIFF(SECOND, MIN(created_at), %s) FROM {$table} WHERE status = 'pending'", $now ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		$failed = $wpdb->get_var( $wpdb->prepare( "SELECT TIMESTAMPDIFF(SECOND, MIN(created_at), %s) FROM {$table} WHERE status = 'failed' OR (status = 'pending' AND attempts > 0)", $now ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		return array(
			'pending'        => $counts[ self::PENDING ],
			'failed'         => $counts[ self::FAILED ],
			'oldest_pending' => max( 0, (int) $oldest ),
			'failing_since'  => max( 0, (int) $failed ),
		);
	}

	/**
	 * Drops the table (uninstall).
	 */
	public static function drop(): void {
		global $wpdb;
		$wpdb->query( 'DROP TABLE IF EXISTS ' . self::table() ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared
		delete_option( self::DB_VERSION_OPTION );
	}

	/**
	 * A UTC time as MySQL DATETIME.
	 *
	 * @param int $timestamp Unix time.
	 */
	public static function at( int $timestamp ): string {
		return gmdate( 'Y-m-d H:i:s', $timestamp );
	}

	/**
	 * Stores one capture; returns its row id (0 when the database refused it).
	 *
	 * @param string $uuid    Idempotency-Key.
	 * @param string $form_id Form id sent to Form-Bridge.
	 * @param string $source  The form plugin.
	 * @param array  $payload fields and meta.
	 * @param array  $files   Copied files: field, path, name, type.
	 */
	public static function insert( string $uuid, string $form_id, string $source, array $payload, array $files ): int {
		global $wpdb;
		$now = self::at( time() );
		$ok  = $wpdb->insert(
			self::table(),
			array(
				'uuid'            => $uuid,
				'form_id'         => $form_id,
				'source'          => $source,
				'payload'         => wp_json_encode( $payload ),
				'files'           => wp_json_encode( $files ),
				'email'           => self::email_in( (array) ( $payload['fields'] ?? array() ) ),
				'status'          => self::PENDING,
				'attempts'        => 0,
				'next_attempt_at' => $now,
				'created_at'      => $now,
				'updated_at'      => $now,
			)
		);
		return $ok ? (int) $wpdb->insert_id : 0;
	}

	/**
	 * One row as an array, or null.
	 *
	 * @param int $id Row id.
	 */
	public static function get( int $id ): ?array {
		global $wpdb;
		$row = $wpdb->get_row( $wpdb->prepare( 'SELECT * FROM ' . self::table() . ' WHERE id = %d', $id ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared
		return $row ? $row : null;
	}

	/**
	 * Takes a row for sending: only one process at a time may send it (a lease of $seconds),
	 * so the immediate send and WP-Cron never both send it at once.
	 *
	 * @param int $id      Row id.
	 * @param int $seconds Lease length.
	 */
	public static function claim( int $id, int $seconds ): bool {
		global $wpdb;
		$now     = time();
		$changed = $wpdb->query(
			$wpdb->prepare(
				'UPDATE ' . self::table() . " SET locked_until = %s WHERE id = %d AND status = 'pending' AND (locked_until IS NULL OR locked_until < %s)", // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared
				self::at( $now + $seconds ),
				$id,
				self::at( $now )
			)
		);
		return 1 === $changed;
	}

	/**
	 * Ids of pending rows whose next attempt is due, oldest first.
	 *
	 * @param int $limit At most this many.
	 */
	public static function due_ids( int $limit ): array {
		global $wpdb;
		return array_map(
			'intval',
			$wpdb->get_col(
				$wpdb->prepare(
					'SELECT id FROM ' . self::table() . " WHERE status = 'pending' AND next_attempt_at <= %s ORDER BY next_attempt_at, id LIMIT %d", // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared
					self::at( time() ),
					$limit
				)
			)
		);
	}

	/**
	 * Records the outcome of an attempt and releases the lease.
	 *
	 * @param int   $id     Row id.
	 * @param array $values Columns to set.
	 */
	public static function update( int $id, array $values ): void {
		global $wpdb;
		$values['updated_at']   = self::at( time() );
		$values['locked_until'] = null;
		$wpdb->update( self::table(), $values, array( 'id' => $id ) );
	}

	/**
	 * Puts a row back at the front of the queue (Retry now), failed ones included.
	 *
	 * @param int $id Row id.
	 */
	public static function retry_now( int $id ): void {
		global $wpdb;
		$wpdb->query(
			$wpdb->prepare(
				'UPDATE ' . self::table() . " SET status = 'pending', next_attempt_at = %s, locked_until = NULL, updated_at = %s WHERE id = %d AND status <> 'sent'", // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared
				self::at( time() ),
				self::at( time() ),
				$id
			)
		);
	}

	/**
	 * Deletes a row (Discard, or housekeeping) and its copied files.
	 *
	 * @param int $id Row id.
	 */
	public static function delete( int $id ): void {
		global $wpdb;
		$row = self::get( $id );
		if ( null === $row ) {
			return;
		}
		Form_Bridge_Files::delete_all( json_decode( (string) $row['files'], true ) ?: array() );
		$wpdb->delete( self::table(), array( 'id' => $id ) );
	}

	/**
	 * Counts per status: pending, failed, sent.
	 */
	public static function counts(): array {
		global $wpdb;
		$counts = array(
			self::PENDING => 0,
			self::FAILED  => 0,
			self::SENT    => 0,
		);
		foreach ( $wpdb->get_results( 'SELECT status, COUNT(*) AS n FROM ' . self::table() . ' GROUP BY status', ARRAY_A ) as $row ) { // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared
			$counts[ $row['status'] ] = (int) $row['n'];
		}
		return $counts;
	}

	/**
	 * Rows that are not sent (pending with an error, or failed), newest first.
	 *
	 * @param int $limit At most this many.
	 */
	public static function unsent( int $limit ): array {
		global $wpdb;
		return $wpdb->get_results(
			$wpdb->prepare(
				'SELECT id, uuid, form_id, source, status, attempts, next_attempt_at, last_status, last_error, created_at FROM ' . self::table() . " WHERE status <> 'sent' ORDER BY id DESC LIMIT %d", // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared
				$limit
			),
			ARRAY_A
		);
	}

	/**
	 * Removes sent rows older than a week and failed rows older than a month (with their files),
	 * so the table cannot grow without bound.
	 */
	public static function purge(): void {
		global $wpdb;
		$old = $wpdb->get_col(
			$wpdb->prepare(
				'SELECT id FROM ' . self::table() . " WHERE (status = 'sent' AND updated_at < %s) OR (status = 'failed' AND updated_at < %s) LIMIT 200", // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared
				self::at( time() - self::KEEP_SENT_SECONDS ),
				self::at( time() - self::KEEP_FAILED_SECONDS )
			)
		);
		foreach ( $old as $id ) {
			self::delete( (int) $id );
		}
	}
}

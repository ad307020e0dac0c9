<?php
/**
 * Sending queued submissions: at once after capture, then by WP-Cron with backoff.
 *
 * @package FormBridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Sends queue rows and decides what each answer means: sent, retry later, or failed for good.
 */
class Form_Bridge_Sender {

	const CRON_HOOK     = 'form_bridge_process_queue';
	const CRON_SCHEDULE = 'form_bridge_every_minute';

	/** The visitor waits for the first try, so it is short; WP-Cron tries may take longer. */
	const IMMEDIATE_TIMEOUT = 3;
	const CRON_TIMEOUT      = 10;

	/** Retries stop this long after the capture; the row is then failed (and shown). */
	const RETRY_WINDOW = 3 * DAY_IN_SECONDS;

	/** Rows one cron run sends at most, and the time it may spend, so a run never piles up. */
	const CRON_BATCH   = 25;
	const CRON_SECONDS = 40;

	/**
	 * Seconds to wait after the n-th failed attempt: 1 min, 5 min, 30 min, 2 h, then every 6 h.
	 *
	 * @param int $failures Failed attempts so far (1 or more).
	 */
	public static function retry_delay( int $failures ): int {
		$steps = array( 1 => MINUTE_IN_SECONDS, 2 => 5 * MINUTE_IN_SECONDS, 3 => 30 * MINUTE_IN_SECONDS, 4 => 2 * HOUR_IN_SECONDS );
		return $steps[ $failures ] ?? 6 * HOUR_IN_SECONDS;
	}

	/**
	 * Whether an answer is worth retrying: no answer, 5xx, 408 and 429. Other 4xx are final.
	 *
	 * @param int $code HTTP status, 0 for no answer.
	 */
	public static function is_retryable( int $code ): bool {
		return 0 === $code || $code >= 500 || 408 === $code || 429 === $code;
	}

	/**
	 * Activation: the table, the cron event, and the settings a pre-configured zip carries.
	 */
	public static function activate( $network_wide = false ): void {
		if ( is_multisite() && $network_wide ) {
			Form_Bridge_Settings::import_preconfigured( true ); // A configured zip sets the network's defaults.
			self::in_every_site( array( self::class, 'activate_site' ) );
			return;
		}
		Form_Bridge_Settings::import_preconfigured();
		self::activate_site();
	}

	/**
	 * One site's table and cron event.
	 */
	private static function activate_site(): void {
		Form_Bridge_Queue::install();
		self::ensure_scheduled();
	}

	/**
	 * A site added to a network where the plugin is network-active gets its table at once.
	 *
	 * @param WP_Site $site The new site.
	 */
	public static function initialize_site( $site ): void {
		if ( ! isset( get_site_option( 'active_sitewide_plugins', array() )[ plugin_basename( FORM_BRIDGE_FILE ) ] ) ) {
			return;
		}
		switch_to_blog( (int) $site->blog_id );
		self::activate_site();
		restore_current_blog();
	}

	/**
	 * Deactivation stops the cron event (on every site when network-wide); the queues stay for
	 * when the plugin comes back.
	 *
	 * @param bool $network_wide Deactivated for the whole network.
	 */
	public static function deactivate( $network_wide = false ): void {
		if ( is_multisite() && $network_wide ) {
			self::in_every_site(
				static function () {
					wp_clear_scheduled_hook( self::CRON_HOOK );
				}
			);
			return;
		}
		wp_clear_scheduled_hook( self::CRON_HOOK );
	}

	/**
	 * Runs $step on every site of the network, each in its own blog's context.
	 *
	 * @param callable $step What to do on each site.
	 */
	private static function in_every_site( callable $step ): void {
		foreach ( get_sites(
			array(
				'fields' => 'ids',
				'number' => 0,
			)
		) as $blog_id ) {
			switch_to_blog( (int) $blog_id );
			$step();
			restore_current_blog();
		}
	}

	/**
	 * Adds the one-minute interval WP-Cron needs for the first retry.
	 *
	 * @param array $schedules Existing schedules.
	 */
	public static function cron_schedules( array $schedules ): array {
		$schedules[ self::CRON_SCHEDULE ] = array(
			'interval' => MINUTE_IN_SECONDS,
			'display'  => __( 'Every minute (Form-Bridge queue)', 'form-bridge' ),
		);
		return $schedules;
	}

	/**
	 * Schedules the queue run if it is missing (activation, or a cron table that lost it).
	 */
	public static function ensure_scheduled(): void {
		if ( get_option( Form_Bridge_Queue::DB_VERSION_OPTION ) !== Form_Bridge_Queue::DB_VERSION ) {
			Form_Bridge_Queue::install(); // An update that changed the table, or files copied in without activation.
		}
		if ( ! wp_next_scheduled( self::CRON_HOOK ) ) {
			wp_schedule_event( time() + MINUTE_IN_SECONDS, self::CRON_SCHEDULE, self::CRON_HOOK );
		}
	}

	/**
	 * The WP-Cron run: due rows, oldest first, then housekeeping.
	 */
	public static function run_cron(): void {
		$started = time();
		foreach ( Form_Bridge_Queue::due_ids( self::CRON_BATCH ) as $id ) {
			if ( time() - $started > self::CRON_SECONDS ) {
				break;
			}
			self::send( $id, self::CRON_TIMEOUT );
		}
		Form_Bridge_Queue::purge();
	}

	/**
	 * Sends one row if no other process is sending it, and records the outcome.
	 *
	 * @param int $id      Row id.
	 * @param int $timeout Seconds.
	 * @return string The row's status afterwards ('' when another process holds it).
	 */
	public static function send( int $id, int $timeout ): string {
		if ( ! Form_Bridge_Queue::claim( $id, $timeout + 60 ) ) {
			return '';
		}
		$row = Form_Bridge_Queue::get( $id );
		if ( null === $row ) {
			return '';
		}
		$payload  = json_decode( (string) $row['payload'], true ) ?: array();
		$files    = json_decode( (string) $row['files'], true ) ?: array();
		$result   = Form_Bridge_Client::send_submission( $row['uuid'], $row['form_id'], $payload, $files, $timeout );
		$code     = (int) $result['code'];
		$attempts = (int) $row['attempts'] + 1;

		if ( $code >= 200 && $code < 300 ) {
			$answer = json_decode( $result['body'], true );
			Form_Bridge_Files::delete_all( $files );
			Form_Bridge_Queue::update(
				$id,
				array(
					'status'      => Form_Bridge_Queue::SENT,
					'attempts'    => $attempts,
					'last_status' => $code,
					'last_error'  => null,
					'remote_id'   => is_array( $answer ) && isset( $answer['id'] ) ? substr( (string) $answer['id'], 0, 64 ) : null,
					'files'       => wp_json_encode( array() ),
				)
			);
			return Form_Bridge_Queue::SENT;
		}

		$error = '' !== $result['error'] ? $result['error'] : 'HTTP ' . $code . ': ' . Form_Bridge_Client::problem_detail( $result['body'], $code );
		if ( self::is_retryable( $code ) ) {
			$delay = max( self::retry_delay( $attempts ), min( (int) $result['retry_after'], DAY_IN_SECONDS ) );
			$next  = time() + $delay;
			if ( $next <= strtotime( $row['created_at'] . ' UTC' ) + self::RETRY_WINDOW ) {
				Form_Bridge_Queue::update(
					$id,
					array(
						'attempts'        => $attempts,
						'last_status'     => $code ? $code : null,
						'last_error'      => $error,
						'next_attempt_at' => Form_Bridge_Queue::at( $next ),
					)
				);
				return Form_Bridge_Queue::PENDING;
			}
			/* translators: %s: the last error. */
			$error = sprintf( __( 'Gave up after 3 days of retries. Last error: %s', 'form-bridge' ), $error );
		}
		Form_Bridge_Queue::update(
			$id,
			array(
				'status'      => Form_Bridge_Queue::FAILED,
				'attempts'    => $attempts,
				'last_status' => $code ? $code : null,
				'last_error'  => $error,
			)
		);
		return Form_Bridge_Queue::FAILED;
	}
}

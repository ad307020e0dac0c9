<?php
/**
 * The seven form plugins: each hook is added only when that plugin is active.
 *
 * Facts about each plugin's hook arguments come from its public documentation and source:
 * what is passed, which object holds the labels, where uploaded files are.
 *
 * @package FormBridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Detects the form plugins and turns each one's hook arguments into a capture.
 */
class Form_Bridge_Integrations {

	/**
	 * Every supported plugin: label, whether it is active, its version.
	 */
	public static function detected(): array {
		return array(
			'cf7'          => array( 'Contact Form 7', defined( 'WPCF7_VERSION' ), defined( 'WPCF7_VERSION' ) ? (string) WPCF7_VERSION : '' ),
			'gravityforms' => array( 'Gravity Forms', class_exists( 'GFForms' ), class_exists( 'GFForms' ) && isset( GFForms::$version ) ? (string) GFForms::$version : '' ),
			'wpforms'      => array( 'WPForms', defined( 'WPFORMS_VERSION' ), defined( 'WPFORMS_VERSION' ) ? (string) WPFORMS_VERSION : '' ),
			'elementor'    => array( 'Elementor Pro forms', defined( 'ELEMENTOR_PRO_VERSION' ), defined( 'ELEMENTOR_PRO_VERSION' ) ? (string) ELEMENTOR_PRO_VERSION : '' ),
			'ninjaforms'   => array( 'Ninja Forms', class_exists( 'Ninja_Forms' ), class_exists( 'Ninja_Forms' ) && defined( 'Ninja_Forms::VERSION' ) ? (string) Ninja_Forms::VERSION : '' ),
			'fluentform'   => array( 'Fluent Forms', defined( 'FLUENTFORM_VERSION' ), defined( 'FLUENTFORM_VERSION' ) ? (string) FLUENTFORM_VERSION : '' ),
			'formidable'   => array( 'Formidable Forms', class_exists( 'FrmAppHelper' ), class_exists( 'FrmAppHelper' ) && method_exists( 'FrmAppHelper', 'plugin_version' ) ? (string) FrmAppHelper::plugin_version() : '' ),
		);
	}

	/**
	 * Adds the hook of each active form plugin (plugins_loaded, after they defined themselves).
	 */
	public static function register(): void {
		$hooks = array(
			'cf7'          => array( 'wpcf7_before_send_mail', 'contact_form_7', 3 ),
			'gravityforms' => array( 'gform_after_submission', 'gravity_forms', 2 ),
			'wpforms'      => array( 'wpforms_process_complete', 'wpforms', 4 ),
			'elementor'    => array( 'elementor_pro/forms/new_record', 'elementor', 2 ),
			'ninjaforms'   => array( 'ninja_forms_after_submission', 'ninja_forms', 1 ),
			'fluentform'   => array( 'fluentform/submission_inserted', 'fluent_forms', 3 ),
			'formidable'   => array( 'frm_after_create_entry', 'formidable', 2 ),
		);
		foreach ( self::detected() as $code => $plugin ) {
			if ( $plugin[1] ) {
				add_action( $hooks[ $code ][0], array( __CLASS__, $hooks[ $code ][1] ), 10, $hooks[ $code ][2] );
			}
		}
	}

	/**
	 * The version of a detected plugin.
	 *
	 * @param string $code Plugin code.
	 */
	private static function version( string $code ): string {
		return self::detected()[ $code ][2];
	}

	/**
	 * A file in the uploads folder from its URL ('' for anything else).
	 *
	 * @param string $url File URL.
	 */
	public static function upload_path( string $url ): string {
		$uploads = wp_upload_dir( null, false );
		$base    = set_url_scheme( trailingslashit( $uploads['baseurl'] ), 'http' );
		$url     = set_url_scheme( trim( $url ), 'http' );
		if ( '' === $url || ! str_starts_with( $url, $base ) ) {
			return '';
		}
		$relative = rawurldecode( substr( $url, strlen( $base ) ) );
		if ( str_contains( $relative, '..' ) ) {
			return '';
		}
		return trailingslashit( $uploads['basedir'] ) . $relative;
	}

	/**
	 * Contact Form 7: wpcf7_before_send_mail( WPCF7_ContactForm $contact_form, bool &$abort,
	 * WPCF7_Submission $submission ). Before the mail, so a failing mail cannot lose it; the
	 * uploaded files are temporary (removed at the end of the request) and are copied now.
	 *
	 * @param object      $contact_form WPCF7_ContactForm.
	 * @param mixed       $abort        Whether CF7 aborts the mail (ignored).
	 * @param object|null $submission   WPCF7_Submission.
	 */
	public static function contact_form_7( $contact_form, $abort = false, $submission = null ): void {
		if ( null === $submission && class_exists( 'WPCF7_Submission' ) ) {
			$submission = WPCF7_Submission::get_instance();
		}
		if ( ! is_object( $submission ) || ! is_object( $contact_form ) ) {
			return;
		}
		$uploaded = method_exists( $submission, 'uploaded_files' ) ? (array) $submission->uploaded_files() : array();
		$labels   = method_exists( $contact_form, 'prop' ) ? self::cf7_labels( (string) $contact_form->prop( 'form' ) ) : array();
		$fields   = array();
		foreach ( (array) $submission->get_posted_data() as $name => $value ) {
			if ( ! str_starts_with( (string) $name, '_' ) && ! array_key_exists( $name, $uploaded ) ) {
				$fields[] = array( $labels[ $name ] ?? (string) $name, (string) $name, $value );
			}
		}
		$files = array();
		foreach ( $uploaded as $name => $paths ) {
			foreach ( (array) $paths as $path ) { // One path before CF7 5.4, a list since.
				$files[] = array(
					'field' => $labels[ $name ] ?? (string) $name,
					'path'  => (string) $path,
				);
			}
		}
		$meta = array();
		if ( method_exists( $submission, 'get_meta' ) ) {
			$meta['page_url'] = (string) $submission->get_meta( 'url' );
		}
		$form_id = Form_Bridge_Capture::form_id( 'cf7', $contact_form->id(), (string) $contact_form->title() );
		Form_Bridge_Capture::submit( 'contact-form-7', self::version( 'cf7' ), $form_id, $fields, $files, $meta );
	}

	/**
	 * Contact Form 7 has no labels of its own: a form template wraps a tag in <label>Text [tag]</label>
	 * by convention. Tag name => that text, for each tag inside a label that has text.
	 *
	 * @param string $template The form template.
	 */
	public static function cf7_labels( string $template ): array {
		$labels = array();
		if ( ! preg_match_all( '#<label\b[^>]*>(.*?)</label>#is', $template, $blocks ) ) {
			return $labels;
		}
		foreach ( $blocks[1] as $block ) {
			$text = trim( (string) preg_replace( '/\s+/u', ' ', wp_strip_all_tags( (string) preg_replace( '/\[[^\]]*\]/', ' ', $block ) ) ) );
			$text = trim( $text, " \t:*" );
			if ( '' === $text || ! preg_match_all( '/\[\s*[a-z_]+\*?\s+([A-Za-z][0-9A-Za-z:._-]*)/', $block, $tags ) ) {
				continue;
			}
			foreach ( $tags[1] as $tag ) {
				$labels[ $tag ] = $text;
			}
		}
		return $labels;
	}

	/**
	 * Gravity Forms: gform_after_submission( array $entry, array $form ). Entries marked spam
	 * (status "spam") are skipped. Values are keyed by field id ("3", or "2.3" for an input of a
	 * multi-input field); labels come from the form's GF_Field objects.
	 *
	 * @param array $entry The entry.
	 * @param array $form  The form.
	 */
	public static function gravity_forms( $entry, $form ): void {
		if ( ! is_array( $entry ) || ! is_array( $form ) || 'spam' === ( $entry['status'] ?? '' ) ) {
			return;
		}
		$fields = array();
		$files  = array();
		foreach ( (array) ( $form['fields'] ?? array() ) as $field ) {
			$type  = (string) ( is_object( $field ) ? $field->type : $field['type'] );
			$id    = (string) ( is_object( $field ) ? $field->id : $field['id'] );
			$label = (string) ( is_object( $field ) ? $field->label : $field['label'] );
			if ( in_array( $type, array( 'html', 'section', 'page', 'captcha' ), true ) ) {
				continue;
			}
			$label = '' !== $label ? $label : 'Field ' . $id;
			if ( 'fileupload' === $type ) {
				$value = (string) ( $entry[ $id ] ?? '' );
				$urls  = str_starts_with( $value, '[' ) ? (array) json_decode( $value, true ) : array( $value );
				foreach ( array_filter( $urls ) as $url ) {
					$files[] = array(
						'field' => $label,
						'path'  => self::upload_path( (string) $url ),
					);
				}
				continue;
			}
			$inputs = is_object( $field ) ? $field->inputs : ( $field['inputs'] ?? null );
			if ( is_array( $inputs ) && ! empty( $inputs ) ) {
				$parts = array();
				foreach ( $inputs as $input ) {
					$part = (string) ( $entry[ (string) $input['id'] ] ?? '' );
					if ( '' !== $part ) {
						$parts[] = $part;
					}
				}
				$fields[] = array( $label, $id, 'checkbox' === $type ? $parts : implode( ' ', $parts ) );
			} else {
				$fields[] = array( $label, $id, (string) ( $entry[ $id ] ?? '' ) );
			}
		}
		$form_id = Form_Bridge_Capture::form_id( 'gf', $form['id'] ?? '', (string) ( $form['title'] ?? '' ) );
		$meta    = array( 'page_url' => (string) ( $entry['source_url'] ?? '' ) );
		Form_Bridge_Capture::submit( 'gravityforms', self::version( 'gravityforms' ), $form_id, $fields, $files, $meta );
	}

	/**
	 * WPForms: wpforms_process_complete( array $fields, array $entry, array $form_data, int $entry_id ).
	 * $fields is keyed by field id, each with name (the label), value, type; file uploads carry
	 * value_raw with each stored file.
	 *
	 * @param array $fields    Processed fields.
	 * @param array $entry     Raw entry.
	 * @param array $form_data Form settings.
	 * @param int   $entry_id  Entry id.
	 */
	public static function wpforms( $fields, $entry = array(), $form_data = array(), $entry_id = 0 ): void {
		$values = array();
		$files  = array();
		foreach ( (array) $fields as $id => $field ) {
			$label = '' !== (string) ( $field['name'] ?? '' ) ? (string) $field['name'] : 'Field ' . $id;
			$type  = (string) ( $field['type'] ?? '' );
			if ( 'file-upload' === $type ) {
				$raw = $field['value_raw'] ?? array();
				$raw = is_array( $raw ) ? $raw : array();
				foreach ( $raw as $file ) {
					$files[] = array(
						'field' => $label,
						'path'  => self::upload_path( (string) ( $file['value'] ?? '' ) ),
						'name'  => (string) ( $file['name'] ?? '' ),
					);
				}
				if ( empty( $raw ) && ! empty( $field['value'] ) ) {
					foreach ( preg_split( '/\R/', (string) $field['value'] ) as $url ) {
						$files[] = array(
							'field' => $label,
							'path'  => self::upload_path( $url ),
						);
					}
				}
				continue;
			}
			$value            = (string) ( $field['value'] ?? '' );
			$values[] = array( $label, (string) $id, in_array( $type, array( 'checkbox', 'payment-checkbox' ), true ) && '' !== $value ? preg_split( '/\R/', $value ) : $value );
		}
		$title   = (string) ( $form_data['settings']['form_title'] ?? '' );
		$form_id = Form_Bridge_Capture::form_id( 'wpforms', $form_data['id'] ?? '', $title );
		Form_Bridge_Capture::submit( 'wpforms', self::version( 'wpforms' ), $form_id, $values, $files );
	}

	/**
	 * Elementor Pro: elementor_pro/forms/new_record( Form_Record $record, Ajax_Handler $handler ).
	 * $record->get( 'fields' ) is keyed by the field's custom id, each with title (the label),
	 * value, type; $record->get( 'files' ) lists each upload field's url and path lists.
	 *
	 * @param object $record  Form_Record.
	 * @param object $handler Ajax_Handler.
	 */
	public static function elementor( $record, $handler = null ): void {
		if ( ! is_object( $record ) || ! method_exists( $record, 'get' ) ) {
			return;
		}
		$uploads = (array) $record->get( 'files' );
		$fields  = array();
		$files   = array();
		foreach ( (array) $record->get( 'fields' ) as $id => $field ) {
			$label = '' !== (string) ( $field['title'] ?? '' ) ? (string) $field['title'] : (string) $id;
			if ( 'upload' === ( $field['type'] ?? '' ) ) {
				foreach ( (array) ( $uploads[ $id ]['path'] ?? array() ) as $path ) {
					$files[] = array(
						'field' => $label,
						'path'  => (string) $path,
					);
				}
				continue;
			}
			$fields[] = array( $label, (string) $id, $field['value'] ?? '' );
		}
		$meta     = array();
		$raw_meta = (array) $record->get( 'meta' );
		if ( isset( $raw_meta['page_url']['value'] ) ) {
			$meta['page_url'] = (string) $raw_meta['page_url']['value'];
		}
		$form_id = Form_Bridge_Capture::form_id( 'elementor', (string) $record->get_form_settings( 'id' ), (string) $record->get_form_settings( 'form_name' ) );
		Form_Bridge_Capture::submit( 'elementor-pro', self::version( 'elementor' ), $form_id, $fields, $files, $meta );
	}

	/**
	 * Ninja Forms: ninja_forms_after_submission( array $form_data ) with form_id, settings.title
	 * and fields (each with label, value, type). The File Uploads add-on's value is a list of URLs.
	 *
	 * @param array $form_data Submission data.
	 */
	public static function ninja_forms( $form_data ): void {
		if ( ! is_array( $form_data ) ) {
			return;
		}
		$fields = array();
		$files  = array();
		foreach ( (array) ( $form_data['fields'] ?? array() ) as $field ) {
			$type = (string) ( $field['type'] ?? '' );
			if ( in_array( $type, array( 'submit', 'html', 'hr', 'recaptcha', 'spam' ), true ) ) {
				continue;
			}
			$label = (string) ( $field['label'] ?? ( $field['key'] ?? '' ) );
			if ( 'file_upload' === $type ) {
				foreach ( (array) ( $field['value'] ?? array() ) as $url ) {
					$files[] = array(
						'field' => $label,
						'path'  => self::upload_path( (string) $url ),
					);
				}
				continue;
			}
			$fields[] = array( $label, (string) ( $field['key'] ?? $label ), $field['value'] ?? '' );
		}
		$form_id = Form_Bridge_Capture::form_id( 'ninja', $form_data['form_id'] ?? '', (string) ( $form_data['settings']['title'] ?? '' ) );
		Form_Bridge_Capture::submit( 'ninja-forms', self::version( 'ninjaforms' ), $form_id, $fields, $files );
	}

	/**
	 * Fluent Forms: fluentform/submission_inserted( int $insert_id, array $form_data, object $form ).
	 * $form_data is keyed by input name; labels and file inputs come from $form->form_fields (JSON).
	 *
	 * @param int    $insert_id Submission id.
	 * @param array  $form_data Posted data.
	 * @param object $form      The form.
	 */
	public static function fluent_forms( $insert_id, $form_data = array(), $form = null ): void {
		if ( ! is_object( $form ) ) {
			return;
		}
		$labels     = array();
		$file_names = array();
		$definition = json_decode( (string) ( $form->form_fields ?? '' ), true );
		$stack      = (array) ( $definition['fields'] ?? array() );
		while ( $stack ) {
			$element = array_shift( $stack );
			if ( ! is_array( $element ) ) {
				continue;
			}
			foreach ( (array) ( $element['columns'] ?? array() ) as $column ) { // Container elements.
				$stack = array_merge( $stack, (array) ( $column['fields'] ?? array() ) );
			}
			$name = (string) ( $element['attributes']['name'] ?? '' );
			if ( '' === $name ) {
				continue;
			}
			// A name or address group keeps its label in admin_field_label; plain inputs in label.
			$label           = (string) ( $element['settings']['label'] ?? '' );
			$label           = '' !== $label ? $label : (string) ( $element['settings']['admin_field_label'] ?? '' );
			$labels[ $name ] = '' !== trim( wp_strip_all_tags( $label ) ) ? $label : $name;
			if ( in_array( (string) ( $element['element'] ?? '' ), array( 'input_file', 'input_image' ), true ) ) {
				$file_names[ $name ] = true;
			}
		}
		$fields = array();
		$files  = array();
		foreach ( (array) $form_data as $name => $value ) {
			if ( str_starts_with( (string) $name, '_' ) ) {
				continue; // Nonces, embed post id, referer.
			}
			$label = $labels[ $name ] ?? (string) $name;
			if ( isset( $file_names[ $name ] ) ) {
				foreach ( (array) $value as $url ) {
					$files[] = array(
						'field' => $label,
						'path'  => self::upload_path( (string) $url ),
					);
				}
				continue;
			}
			if ( is_array( $value ) && array_keys( $value ) !== range( 0, count( $value ) - 1 ) ) {
				$value = implode( ' ', array_filter( array_map( 'strval', array_filter( $value, 'is_scalar' ) ), 'strlen' ) ); // A name field: first, middle, last.
			}
			$fields[] = array( $label, (string) $name, $value );
		}
		$form_id = Form_Bridge_Capture::form_id( 'fluentform', $form->id ?? '', (string) ( $form->title ?? '' ) );
		Form_Bridge_Capture::submit( 'fluentform', self::version( 'fluentform' ), $form_id, $fields, $files );
	}

	/**
	 * Formidable: frm_after_create_entry( int $entry_id, int $form_id ). The entry is read back
	 * with FrmEntry::getOne( $entry_id, true ) (metas keyed by field id), the labels with
	 * FrmField::get_all_for_form(); file fields hold attachment ids.
	 *
	 * @param int $entry_id Entry id.
	 * @param int $form_id  Form id.
	 */
	public static function formidable( $entry_id, $form_id = 0 ): void {
		if ( ! class_exists( 'FrmEntry' ) || ! class_exists( 'FrmField' ) ) {
			return;
		}
		$entry = FrmEntry::getOne( $entry_id, true );
		if ( ! is_object( $entry ) ) {
			return;
		}
		$metas  = (array) ( $entry->metas ?? array() );
		$fields = array();
		$files  = array();
		foreach ( (array) FrmField::get_all_for_form( $form_id ) as $field ) {
			if ( in_array( (string) $field->type, array( 'submit', 'html', 'divider', 'break', 'captcha', 'end_divider' ), true ) ) {
				continue;
			}
			$label = '' !== (string) $field->name ? (string) $field->name : (string) $field->field_key;
			$value = $metas[ $field->id ] ?? '';
			if ( 'file' === $field->type ) {
				foreach ( (array) $value as $attachment_id ) {
					$path = get_attached_file( (int) $attachment_id );
					if ( $path ) {
						$files[] = array(
							'field' => $label,
							'path'  => (string) $path,
						);
					}
				}
				continue;
			}
			$fields[] = array( $label, (string) $field->field_key, $value );
		}
		$form  = class_exists( 'FrmForm' ) ? FrmForm::getOne( $form_id ) : null;
		$title = is_object( $form ) ? (string) $form->name : '';
		Form_Bridge_Capture::submit( 'formidable', self::version( 'formidable' ), Form_Bridge_Capture::form_id( 'formidable', $form_id, $title ), $fields, $files );
	}
}
